# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Deterministic fuzzing of pose_ros.image_codec with malformed Image and CompressedImage messages.

Every call must either return an array of the documented shape and dtype or raise
ImageConversionError: any other exception, a wrong result, or a large allocation is a failure.
Messages are types.SimpleNamespace objects, because sensor_msgs.msg.Image refuses many of the
malformed field values we want to feed in.
"""

import array
import resource
import sys
import tracemalloc
import types
from typing import Any, Callable, List, Optional, Tuple
import zlib

import cv2

import numpy as np

from pose_ros import image_codec

ImageConversionError = image_codec.ImageConversionError

SEED = 20260121
N_IMAGES = 12000
N_COMPRESSED = 3000
PEAK_ALLOCATION_LIMIT = 16 * 1024 * 1024  # every fuzz input is a few KiB at most
RSS_GROWTH_LIMIT = 256 * 1024 * 1024  # also covers cv2's allocations, which tracemalloc misses

LAYOUT = {  # encoding -> (channels, dtype); the oracle, kept apart from the module's table
    'rgb8': (3, np.uint8), 'bgr8': (3, np.uint8), 'rgba8': (4, np.uint8),
    'bgra8': (4, np.uint8), 'mono8': (1, np.uint8), 'mono16': (1, np.uint16),
    '16UC1': (1, np.uint16), '32FC1': (1, np.float32),
    '8UC1': (1, np.uint8), '8UC3': (3, np.uint8), '8UC4': (4, np.uint8),
}
VALID = sorted(LAYOUT)
DEPTH = ('16UC1', 'mono16', '32FC1')
GARBAGE_ENCODINGS = [
    '', 'yuv422', 'RGB8', 'bgr16', 'rgba16', '32FC3', '64FC1', '8UC2', 'rgb8 ', ' mono8',
    'mono 8', 'rgb8\x00', '\x00', 'bayer_rggb8', 'compressedDepth', 'jpeg', 'ü8', 'rgb8;bgr8',
    None, 8, b'rgb8', 3.5, ['rgb8'],
]
SPECIAL_SIZES = [0, -1, -7, -2 ** 31, 2 ** 31, 2 ** 32 - 1, 2 ** 40, 2 ** 63, 2 ** 64 + 1]
NON_INTS = ['3', 3.0, None, float('nan'), b'\x03', [3]]
ENDIANNESS = [0, 1, 0, 1, 2, 255, True, False, -1, np.uint8(1), None, '1', 0.0]
FORMATS = [
    'jpeg', 'png', '', 'rgb8; jpeg compressed bgr8', 'bgr8; png compressed', 'jpg', 'PNG',
    'compressedDepth', '16UC1; compressedDepth png', '32FC1; compressedDepth rvl', 'h264',
    'theora', 'garbage', 'tiff', None, 5, b'jpeg',
]


def pick(rng: np.random.Generator, items: List[Any]) -> Any:
    """Return one item of a list (rng.choice would turn mixed types into a numpy array)."""
    return items[int(rng.integers(len(items)))]


def wrap_data(rng: np.random.Generator, raw: bytes) -> Tuple[Any, bool]:
    """
    Return raw in a random container, and whether that container holds exactly raw.

    Mostly the containers a message's data may arrive in; sometimes a wrong one.
    """
    kind = int(rng.integers(12))
    if kind <= 2:
        return raw, True
    if kind == 3:
        return bytearray(raw), True
    if kind <= 5:
        return array.array('B', raw), True  # what rclpy hands over
    if kind == 6 and len(raw) <= 512:
        return list(raw), True
    if kind == 7:
        return np.frombuffer(raw, dtype=np.uint8).copy(), True
    if kind == 8:
        return memoryview(raw), True
    if kind == 9 and len(raw) % 2 == 0:
        return np.frombuffer(raw, dtype=np.uint16).copy(), False  # wrong dtype
    return pick(rng, [None, raw.decode('latin-1'), 12, array.array('H', [1, 2]),
                      [300, -1], [0.5] * len(raw[:8]), (1, 2, 3)]), False


def describe(msg: types.SimpleNamespace) -> str:
    """Return the message's fields for a failure report, with data abbreviated."""
    fields = dict(vars(msg))
    data = fields.pop('data', None)
    try:
        size = len(data)
    except TypeError:
        size = None
    head = bytes(data[:16]) if isinstance(data, (bytes, bytearray)) else None
    return f'{fields} data={type(data).__name__} len={size} head={head!r}'


def random_header_image(rng: np.random.Generator) -> types.SimpleNamespace:
    """Return an Image-like message with every field drawn at random, mostly malformed."""
    encoding = pick(rng, VALID) if rng.random() < 0.6 else pick(rng, GARBAGE_ENCODINGS)
    guess = (int(rng.integers(1, 5)), np.uint8)  # for garbage encodings
    channels, dtype = LAYOUT.get(encoding, guess) if isinstance(encoding, str) else guess
    itemsize = np.dtype(dtype).itemsize

    def size() -> Any:
        roll = rng.random()
        if roll < 0.55:
            return int(rng.integers(1, 17))
        if roll < 0.93:
            return pick(rng, SPECIAL_SIZES)
        return pick(rng, NON_INTS)

    height, width = size(), size()
    row = width * channels * itemsize if isinstance(width, int) else 8
    step = pick(rng, [
        row, row, row + int(rng.integers(1, 9)), row - int(rng.integers(1, 4)), row + 1, 0,
        -row, 2 ** 40, 2 ** 31, int(rng.integers(0, 64)), float(row), None,
    ])
    expected = step * height if isinstance(step, int) and isinstance(height, int) else -1
    exact = expected if 0 <= expected <= 8192 else int(rng.integers(0, 256))
    length = pick(rng, [exact, exact, exact, 0, max(exact - 1, 0), exact + 1,
                        max(exact - int(rng.integers(1, 64)), 0), int(rng.integers(0, 300))])
    raw = rng.integers(0, 256, size=length, dtype=np.uint8).tobytes()
    return types.SimpleNamespace(height=height, width=width, encoding=encoding,
                                 is_bigendian=pick(rng, ENDIANNESS), step=step,
                                 data=wrap_data(rng, raw)[0])


def valid_image(rng: np.random.Generator) -> Tuple[types.SimpleNamespace, np.ndarray]:
    """Return (message, decoded pixels) for a random well-formed message, padding included."""
    encoding = pick(rng, VALID)
    channels, dtype = LAYOUT[encoding]
    height, width = int(rng.integers(1, 9)), int(rng.integers(1, 9))
    shape = (height, width, channels) if channels > 1 else (height, width)
    if dtype == np.float32:
        pixels = rng.normal(2.0, 3.0, size=shape).astype(np.float32)
    else:
        pixels = rng.integers(0, np.iinfo(dtype).max, size=shape, endpoint=True, dtype=dtype)
    holes = rng.random(shape) < 0.2  # depth's "no reading" values, which must become NaN
    specials = np.array([0.0, -1.5, np.inf, -np.inf, np.nan] if dtype == np.float32 else [0])
    pixels[holes] = rng.choice(specials, size=int(holes.sum())).astype(dtype)
    big = encoding in ('mono16', '16UC1', '32FC1') and rng.random() < 0.5
    itemsize = np.dtype(dtype).itemsize
    pad = int(rng.integers(0, 4)) * itemsize
    wire = pixels.astype(np.dtype(dtype).newbyteorder('>' if big else '<'))
    raw = b''.join(wire[r].tobytes() + rng.integers(0, 256, pad, np.uint8).tobytes()
                   for r in range(height))
    msg = types.SimpleNamespace(height=height, width=width, encoding=encoding,
                                is_bigendian=int(big), step=width * channels * itemsize + pad,
                                data=raw)
    return msg, pixels


def mutate(rng: np.random.Generator, msg: types.SimpleNamespace) -> Optional[bool]:
    """Apply one random mutation; return True/False when it must succeed/fail, None if either."""
    raw = bytes(msg.data)
    kind = int(rng.integers(14))
    if kind == 0:
        msg.data = raw[:-1]
        return False
    if kind == 1:
        msg.data = raw + b'\0'
        return False
    if kind == 2:
        msg.data = b''
        return False
    if kind == 3:
        msg.height += pick(rng, [-1, 1])
        return False if msg.height <= 0 else None
    if kind == 4:
        msg.width += pick(rng, [-1, 1])
        return None
    if kind == 5:
        msg.step += pick(rng, [-1, 1, -msg.step])
        return None
    if kind == 6:
        msg.encoding = pick(rng, VALID)
        return None
    if kind == 7:
        msg.encoding = pick(rng, GARBAGE_ENCODINGS)
        return False
    if kind == 8:
        msg.is_bigendian = 1 - msg.is_bigendian
        return True
    if kind == 9:
        setattr(msg, pick(rng, ['height', 'width']), pick(rng, [2 ** 31, 2 ** 40, -2 ** 31, 0]))
        return False
    if kind == 10:
        msg.step = pick(rng, [2 ** 31, 2 ** 40])
        return False
    if kind == 11:
        msg.height, msg.width = msg.width, msg.height
        return None
    if kind == 12:
        msg.data, same = wrap_data(rng, raw)
        return True if same else None
    msg.data = raw[:int(rng.integers(0, len(raw)))]  # truncated anywhere
    return False


def oracle(name: str, msg: types.SimpleNamespace, pixels: np.ndarray) -> np.ndarray:
    """Return what decoder name must produce for an unmutated message holding pixels."""
    if name == 'image_to_numpy':
        return pixels
    if name == 'depth_to_metres':
        metres = pixels.astype(np.float32)
        if pixels.dtype == np.uint16:
            return np.where(pixels == 0, np.nan, metres / np.float32(1000.0))
        return np.where(np.isfinite(metres) & (metres > 0), metres, np.nan)
    grey = {'mono16': lambda p: (p >> 8).astype(np.uint8)}.get(msg.encoding, lambda p: p)
    if pixels.ndim == 2:
        return np.repeat(grey(pixels)[..., np.newaxis], 3, axis=2)
    return pixels[..., 2::-1] if msg.encoding in ('rgb8', 'rgba8') else pixels[..., :3]


def check_image(msg: types.SimpleNamespace, expect: Optional[bool],
                pixels: Optional[np.ndarray]) -> List[str]:
    """Run the three Image decoders on msg; return a description of each contract breach."""
    problems = []
    layout = LAYOUT.get(msg.encoding) if isinstance(msg.encoding, str) else None

    def shape_for(kind: str) -> Callable[[], tuple]:
        if kind == 'bgr':
            return lambda: (msg.height, msg.width, 3)
        return lambda: (msg.height, msg.width) + ((layout[0],) if layout[0] > 1 else ())

    calls = [  # name, decoder, accepts encoding, result shape, result dtype
        ('image_to_numpy', image_codec.image_to_numpy, lambda e: True, shape_for('raw'),
         lambda: layout[1]),
        ('image_to_bgr', image_codec.image_to_bgr, lambda e: e not in ('16UC1', '32FC1'),
         shape_for('bgr'), lambda: np.uint8),
        ('depth_to_metres', image_codec.depth_to_metres, lambda e: e in DEPTH,
         shape_for('raw'), lambda: np.float32),
    ]
    for name, func, accepts, want, dtype in calls:
        must_succeed = expect is True and accepts(msg.encoding)
        must_fail = expect is False or (layout is not None and not accepts(msg.encoding))
        try:
            out = func(msg)
        except ImageConversionError:
            if must_succeed:
                problems.append(f'{name} rejected a valid message: {describe(msg)}')
            continue
        except Exception as exc:  # noqa: B902 - the point is to catch anything else
            problems.append(f'{name} raised {type(exc).__name__}: {exc} for {describe(msg)}')
            continue
        if must_fail or layout is None:
            problems.append(f'{name} accepted a message it must reject: {describe(msg)}')
        elif not isinstance(out, np.ndarray) or out.shape != want() or out.dtype != dtype():
            problems.append(f'{name} returned {getattr(out, "shape", out)} '
                            f'{getattr(out, "dtype", "")}, want {want()} {np.dtype(dtype())} '
                            f'for {describe(msg)}')
        elif pixels is not None and not np.array_equal(out, oracle(name, msg, pixels),
                                                       equal_nan=True):
            problems.append(f'{name} decoded wrong values for {describe(msg)}')
    return problems


def max_rss() -> int:
    """Return this process's peak resident memory in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == 'darwin' else peak * 1024  # Linux reports KiB


def run_bounded(cases: Callable[[], List[str]]) -> List[str]:
    """Run cases and add a problem if they allocated much more than their inputs' size."""
    rss_before = max_rss()
    tracemalloc.start()  # numpy and Python allocations
    try:
        problems = cases()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    if peak > PEAK_ALLOCATION_LIMIT:
        problems.append(f'peak allocation {peak} bytes exceeds {PEAK_ALLOCATION_LIMIT}')
    if max_rss() - rss_before > RSS_GROWTH_LIMIT:
        problems.append(f'peak resident memory grew by {max_rss() - rss_before} bytes')
    return problems


def report(problems: List[str]) -> str:
    """Return a readable summary of the first few problems."""
    return f'{len(problems)} problems; first ones:\n' + '\n'.join(problems[:8])


def test_fuzz_image_messages():
    """12,000 random and mutated Image messages never break the decoders' contract."""
    rng = np.random.default_rng(SEED)
    counts = {'random': 0, 'valid': 0, 'must_fail': 0}

    def cases() -> List[str]:
        problems = []
        for _ in range(N_IMAGES):
            pixels = None
            if rng.random() < 0.45:
                msg, expect = random_header_image(rng), None
                counts['random'] += 1
            else:
                msg, pixels = valid_image(rng)
                if rng.random() < 0.2:
                    expect = True  # unmutated: decoded values are checked too
                else:
                    expect, pixels = mutate(rng, msg), None
                counts['valid'] += expect is True
                counts['must_fail'] += expect is False
            problems.extend(check_image(msg, expect, pixels))
        return problems

    problems = run_bounded(cases)
    assert not problems, report(problems)
    # The generator really covers both sides of the contract.
    assert counts['random'] > 4000 and counts['valid'] > 1000 and counts['must_fail'] > 2000


def encoded_samples() -> List[bytes]:
    """Return small valid JPEG and PNG files (colour, grey, 16-bit, with alpha)."""
    rng = np.random.default_rng(SEED)
    colour = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
    grey = rng.integers(0, 256, (9, 7), dtype=np.uint8)
    deep = rng.integers(0, 65536, (5, 6), dtype=np.uint16)
    alpha = rng.integers(0, 256, (4, 4, 4), dtype=np.uint8)
    files = [cv2.imencode('.jpg', colour)[1], cv2.imencode('.jpg', grey)[1],
             cv2.imencode('.png', colour)[1], cv2.imencode('.png', grey)[1],
             cv2.imencode('.png', deep)[1], cv2.imencode('.png', alpha)[1]]
    return [f.tobytes() for f in files]


def random_compressed(rng: np.random.Generator,
                      samples: List[bytes]) -> Tuple[types.SimpleNamespace, Optional[bool]]:
    """
    Return (message, expectation) for a random, mostly malformed CompressedImage.

    The expectation is True when it must decode, False when it must be rejected, None if
    either is fine.
    """
    fmt = pick(rng, FORMATS)
    valid = pick(rng, samples)
    kind = int(rng.integers(9))
    expect = None
    if kind == 0:
        raw = rng.integers(0, 256, int(rng.integers(0, 600)), np.uint8).tobytes()
    elif kind == 1:
        raw, expect = valid, True
    elif kind == 2:
        raw = valid[:int(rng.integers(0, len(valid)))]
    elif kind == 3:
        corrupt = bytearray(valid)
        for pos in rng.integers(0, len(corrupt), int(rng.integers(1, 9))):
            corrupt[pos] = int(rng.integers(256))
        raw = bytes(corrupt)
    elif kind == 4:
        raw = valid[:int(rng.integers(8, 40))] + rng.integers(0, 256, 200, np.uint8).tobytes()
    elif kind == 5:
        raw = rng.integers(0, 256, int(rng.integers(1, 32)), np.uint8).tobytes() + valid
    elif kind == 6:
        raw, expect = b'', False
    elif kind == 7:  # a header claiming a huge image with nothing behind it
        width, height = (int(v) for v in rng.integers(1, 2 ** 31, 2))
        raw = b'\x89PNG\r\n\x1a\n\0\0\0\rIHDR' + width.to_bytes(4, 'big') + \
            height.to_bytes(4, 'big') + b'\x08\x02\0\0\0\0\0\0\0'
        expect = False
    else:
        width, height = (int(v) for v in rng.integers(1, 2 ** 16, 2))
        raw = b'\xff\xd8\xff\xc0\x00\x11\x08' + height.to_bytes(2, 'big') + \
            width.to_bytes(2, 'big') + b'\x03' + b'\0' * 9
        expect = False
    if not isinstance(fmt, str) or 'compresseddepth' in fmt.lower() or fmt in ('h264', 'theora'):
        expect = False
    data, same = wrap_data(rng, raw)
    if not same:
        expect = False
    return types.SimpleNamespace(format=fmt, data=data), expect


def test_fuzz_compressed_messages():
    """3,000 random, truncated and corrupted CompressedImage messages keep the contract."""
    rng = np.random.default_rng(SEED + 1)
    samples = encoded_samples()

    def cases() -> List[str]:
        problems = []
        for _ in range(N_COMPRESSED):
            msg, expect = random_compressed(rng, samples)
            try:
                out = image_codec.compressed_to_bgr(msg)
            except ImageConversionError:
                if expect is True:
                    problems.append(f'rejected a valid image: {describe(msg)}')
                continue
            except Exception as exc:  # noqa: B902 - the point is to catch anything else
                problems.append(f'raised {type(exc).__name__}: {exc} for {describe(msg)}')
                continue
            if expect is False:
                problems.append(f'accepted a message it must reject: {describe(msg)}')
            if not (isinstance(out, np.ndarray) and out.ndim == 3 and out.shape[2] == 3
                    and out.dtype == np.uint8):
                problems.append(f'returned {getattr(out, "shape", out)} for {describe(msg)}')
            elif expect is True:
                reference = cv2.imdecode(np.frombuffer(bytes(msg.data), np.uint8),
                                         cv2.IMREAD_COLOR)
                if not np.array_equal(out, reference):
                    problems.append(f'decoded wrong pixels for {describe(msg)}')
        return problems

    problems = run_bounded(cases)
    assert not problems, report(problems)


JPEG_SOF = [0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF]
PNG_COLOURS = {0: (1, (1, 2, 4, 8, 16)), 2: (3, (8, 16)), 3: (1, (1, 2, 4, 8)),
               4: (2, (8, 16)), 6: (4, (8, 16))}  # the oracle: channels, allowed bit depths
N_HEADERS = 1500


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    """Return a PNG chunk with a correct CRC."""
    return (len(payload).to_bytes(4, 'big') + kind + payload
            + zlib.crc32(kind + payload).to_bytes(4, 'big'))


def random_bytes(rng: np.random.Generator, count: int) -> bytes:
    """Return count random bytes without 0xFF, so they hold no JPEG marker."""
    return np.minimum(rng.integers(0, 256, count, dtype=np.uint8), 0xFE).tobytes()


def random_jpeg_claim(rng: np.random.Generator) -> Tuple[bytes, int, int, bool]:
    """Return (file, width, height, must be refused) for a JPEG with a random frame header."""
    marker = pick(rng, JPEG_SOF)
    width, height = (int(v) for v in rng.integers(1, pick(rng, [64, 2048, 65536]), 2))
    components = b''.join(bytes([c, 0x11, 0]) for c in (1, 2, 3))
    frame = b'\x08' + height.to_bytes(2, 'big') + width.to_bytes(2, 'big') + b'\x03' + components
    ends = rng.random() < 0.7
    tables = b'\xff\xdb\x00\x43\x00' + b'\x01' * 64 + b'\xff\xcc\x00\x06\x00\x11\x10\x05'
    data = (b'\xff\xd8' + tables + b'\xff' + bytes([marker]) + b'\x00\x11' + frame
            + b'\xff\xda\x00\x0c\x03\x01\x00\x02\x00\x03\x00\x00\x3f\x00'
            + random_bytes(rng, int(rng.integers(0, 4000))) + (b'\xff\xd9' if ends else b''))
    refused = (marker > 0xC3 or not ends or width * height > 512 * len(data)
               or width * height * 3 > image_codec.MAX_IMAGE_BYTES)
    return data, width, height, refused


def random_png_claim(rng: np.random.Generator) -> Tuple[bytes, int, int, bool]:
    """Return (file, width, height, must be refused) for a PNG with a random header."""
    if rng.random() < 0.7:  # a colour type and bit depth that PNG defines
        colour = pick(rng, sorted(PNG_COLOURS))
        depth = pick(rng, list(PNG_COLOURS[colour][1]))
    else:
        colour, depth = pick(rng, [0, 2, 3, 4, 6, 1, 5, 7]), pick(rng, [1, 2, 4, 8, 16, 0, 3, 32])
    interlace = pick(rng, [0, 1, 0, 1, 2])
    width, height = (int(v) for v in rng.integers(1, pick(rng, [64, 4096, 2 ** 31]), 2))
    header = (width.to_bytes(4, 'big') + height.to_bytes(4, 'big')
              + bytes([depth, colour, 0, 0, interlace]))
    chunks = [png_chunk(b'IDAT', random_bytes(rng, int(rng.integers(0, 3000))))
              for _ in range(int(rng.integers(0, 4)))]
    animated = rng.random() < 0.1
    if animated:
        chunks.insert(0, png_chunk(b'acTL', (2).to_bytes(4, 'big') + bytes(4)))
    ends = rng.random() < 0.8
    data = (b'\x89PNG\r\n\x1a\n' + png_chunk(b'IHDR', header) + b''.join(chunks)
            + (png_chunk(b'IEND', b'') if ends else b''))
    channels, depths = PNG_COLOURS.get(colour, (0, ()))
    idat = sum(len(c) - 12 for c in chunks if c[4:8] == b'IDAT')
    refused = (depth not in depths or interlace > 1 or animated or not ends
               or height * (1 + (width * channels * depth + 7) // 8) > 1032 * idat
               or width * height * 3 > image_codec.MAX_IMAGE_BYTES)
    return data, width, height, refused


def test_fuzz_compressed_headers_and_max_pixels():
    """
    3,000 JPEG and PNG headers of every kind claim random sizes, under random max_pixels.

    Whatever a header claims, the decoder must refuse it, and allocate nothing big, unless
    the data could really hold that many pixels and the file is complete.
    """
    rng = np.random.default_rng(SEED + 2)

    def cases() -> List[str]:
        problems = []
        for case in range(2 * N_HEADERS):
            make = random_jpeg_claim if case % 2 else random_png_claim
            data, width, height, refused = make(rng)
            limit = pick(rng, [None, None, int(rng.integers(1, 2 ** 21))])
            refused = refused or (limit is not None and width * height > limit)
            msg = types.SimpleNamespace(format='', data=data)
            try:
                out = image_codec.compressed_to_bgr(msg, max_pixels=limit)
            except ImageConversionError:
                continue
            except Exception as exc:  # noqa: B902 - the point is to catch anything else
                problems.append(f'raised {type(exc).__name__}: {exc} for {data[:40]!r}')
                continue
            if refused:
                problems.append(f'accepted {width}x{height} (max_pixels {limit}): {data[:40]!r}')
            elif out.shape != (height, width, 3):
                problems.append(f'returned {out.shape} for a {width}x{height} claim')
        return problems

    problems = run_bounded(cases)
    assert not problems, report(problems)
