# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
Convert sensor_msgs Image / CompressedImage to numpy arrays and back, without cv_bridge.

Pure: no rclpy. Messages are duck-typed (any object with the message's fields), so the
decoders work on rclpy messages, rosbag records and plain test objects alike. Only the two
encoders import sensor_msgs, lazily, to build real messages.

Every bad input raises ImageConversionError (a ValueError) whose message says what is wrong
and what would be accepted. Header values are checked before anything is allocated, so a
malicious or corrupt message can neither hang the caller nor make it allocate huge buffers;
the decoders' max_pixels argument lowers the size limit further (for body_node, its
max_image_pixels parameter).

Arrays are (H, W, C) for colour encodings and (H, W) for mono and depth encodings.
"""

import array as pyarray
import operator
import re
from typing import Any, Dict, Optional, Tuple

import cv2

import numpy as np

# encoding -> (channels, dtype); this table drives decoding, encoding and validation.
_ENCODINGS: Dict[str, Tuple[int, np.dtype]] = {
    'rgb8': (3, np.dtype(np.uint8)),
    'bgr8': (3, np.dtype(np.uint8)),
    'rgba8': (4, np.dtype(np.uint8)),
    'bgra8': (4, np.dtype(np.uint8)),
    'mono8': (1, np.dtype(np.uint8)),
    'mono16': (1, np.dtype(np.uint16)),
    '16UC1': (1, np.dtype(np.uint16)),
    '32FC1': (1, np.dtype(np.float32)),
}
# OpenCV type names some drivers publish instead of the ROS names; they decode identically.
ENCODING_ALIASES: Dict[str, str] = {'8UC1': 'mono8', '8UC3': 'bgr8', '8UC4': 'bgra8'}
SUPPORTED_ENCODINGS: Tuple[str, ...] = tuple(_ENCODINGS)
DEPTH_ENCODINGS: Tuple[str, ...] = ('16UC1', 'mono16', '32FC1')

# Largest image (raw bytes, or decoded BGR bytes for compressed images) we agree to handle:
# far above any camera, far below what would hurt the host.
MAX_IMAGE_BYTES = 512 * 1024 * 1024

# Format-string words that name something other than JPEG/PNG colour data.
_NOT_JPEG_PNG = frozenset((
    'compresseddepth', 'rvl', 'h264', 'h265', 'hevc', 'av1', 'vp8', 'vp9', 'theora',
    'zstd', 'ffmpeg',
))
# JPEG start-of-frame markers SOF0..SOF15 (0xC4 is DHT, 0xC8 JPG and 0xCC DAC). Only the
# Huffman-coded, non-hierarchical ones are decoded: SOF0 baseline, SOF1 extended, SOF2
# progressive and SOF3 lossless.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_HUFFMAN_SOF = frozenset((0xC0, 0xC1, 0xC2, 0xC3))
_PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
# PNG colour type -> (channels, bit depths the PNG specification allows for it).
_PNG_COLOUR_TYPES: Dict[int, Tuple[int, Tuple[int, ...]]] = {
    0: (1, (1, 2, 4, 8, 16)),  # greyscale
    2: (3, (8, 16)),  # truecolour
    3: (1, (1, 2, 4, 8)),  # indexed colour
    4: (2, (8, 16)),  # greyscale with alpha
    6: (4, (8, 16)),  # truecolour with alpha
}


class ImageConversionError(ValueError):
    """An image message or array that cannot be converted; the message says why."""


def _supported_list() -> str:
    aliases = ', '.join(f'{a} (={c})' for a, c in ENCODING_ALIASES.items())
    return f"{', '.join(SUPPORTED_ENCODINGS)}; aliases {aliases}"


def _lookup(encoding: Any) -> Tuple[str, int, np.dtype]:
    """Return (canonical encoding, channels, dtype) or raise for an unknown encoding."""
    if not isinstance(encoding, str):
        raise ImageConversionError(
            f'encoding must be a string, got {type(encoding).__name__}; '
            f'supported: {_supported_list()}')
    canonical = ENCODING_ALIASES.get(encoding, encoding)
    if canonical not in _ENCODINGS:
        raise ImageConversionError(
            f'unsupported encoding {encoding!r}; supported: {_supported_list()}')
    channels, dtype = _ENCODINGS[canonical]
    return canonical, channels, dtype


def _field(msg: Any, name: str) -> Any:
    try:
        return getattr(msg, name)
    except AttributeError:
        raise ImageConversionError(
            f'{type(msg).__name__} has no field {name!r}; expected a sensor_msgs/Image-like '
            'object with height, width, encoding, is_bigendian, step and data') from None


def _as_int(value: Any, name: str) -> int:
    try:
        return operator.index(value)  # ints and numpy integers; not floats or strings
    except TypeError:
        raise ImageConversionError(
            f'{name} must be an integer, got {type(value).__name__} {value!r:.40}') from None


def _pixel_limit(max_pixels: Any) -> Optional[int]:
    """
    Return the caller's max_pixels as an int, or None for no limit.

    A bad limit is the caller's mistake, not the message's: it raises TypeError or ValueError,
    never ImageConversionError, so it is not counted as a bad frame.
    """
    if max_pixels is None:
        return None
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, (int, np.integer)):
        raise TypeError(
            f'max_pixels must be a positive integer or None, got {type(max_pixels).__name__} '
            f'{max_pixels!r:.40}')
    limit = int(max_pixels)
    if limit <= 0:
        raise ValueError(f'max_pixels must be a positive integer or None, got {limit}')
    return limit


def _check_pixels(width: int, height: int, max_pixels: Optional[int], what: str) -> None:
    """Raise if width*height exceeds the caller's max_pixels (None: no limit)."""
    if max_pixels is not None and width * height > max_pixels:
        raise ImageConversionError(
            f'{what} {width}x{height} = {width * height} pixels, more than the limit of '
            f'{max_pixels} pixels set by max_pixels (the body_node parameter max_image_pixels)')


def _byte_count(data: Any) -> int:
    """Return data's length in bytes without converting it, or -1 if it is no byte container."""
    if isinstance(data, np.ndarray):
        return data.nbytes if data.dtype == np.uint8 else -1
    if isinstance(data, (list, tuple)):
        return len(data)
    try:
        with memoryview(data) as view:
            return view.nbytes if view.itemsize == 1 else -1
    except TypeError:
        return -1


def _as_uint8(data: Any) -> Tuple[np.ndarray, bool]:
    """
    Return (flat uint8 array over data, whether it may alias mutable storage).

    Zero-copy for buffers and uint8 arrays; lists are converted (values must be 0..255).
    """
    if isinstance(data, np.ndarray):
        if data.dtype != np.uint8:
            raise ImageConversionError(f'data array must be uint8, got {data.dtype}')
        return data.reshape(-1), True
    if isinstance(data, (list, tuple)):
        try:
            values = np.asarray(data)
        except (TypeError, ValueError, OverflowError):  # ragged nesting and the like
            values = None
        if values is None or (values.size and (
                values.dtype.kind not in 'iu' or values.min() < 0 or values.max() > 255)):
            raise ImageConversionError('data list must hold integers in 0..255')
        return values.astype(np.uint8).reshape(-1), False
    try:
        with memoryview(data) as view:
            if view.itemsize != 1:
                raise ImageConversionError(
                    f'data buffer must have 1-byte items, got format {view.format!r}; '
                    "use bytes, bytearray, array.array('B') or a uint8 array")
            # Only a bytes object is known immutable; anything else may be reused by its owner.
            if view.c_contiguous:
                return np.frombuffer(data, dtype=np.uint8), not isinstance(data, bytes)
            return np.frombuffer(view.tobytes(), dtype=np.uint8), False
    except TypeError:
        raise ImageConversionError(
            f'data must be bytes, bytearray, array.array, memoryview, a uint8 array or a list '
            f'of ints, got {type(data).__name__}') from None


def image_to_numpy(msg: Any) -> np.ndarray:
    """
    Decode a sensor_msgs/Image-like message into a read-only numpy array.

    Row padding (step > width * channels * itemsize) is cropped and big-endian 16/32-bit
    data is converted to native byte order. The result is always read-only: a zero-copy
    view when msg.data is an immutable bytes object already in the host's byte order,
    otherwise a private copy (rclpy's array.array data is copied once), so it never
    aliases storage the message's owner may mutate or resize. Call .copy() to write.

    The shape and dtype are (H, W, C) uint8 for rgb8/bgr8/rgba8/bgra8 and (H, W) for the
    rest: uint8 for mono8, uint16 for mono16/16UC1, float32 for 32FC1.
    """
    image, private = _decode(msg, None)
    if not private:
        image = image.copy()
    image.flags.writeable = False
    return image


def _decode(msg: Any, max_pixels: Optional[int]) -> Tuple[np.ndarray, bool]:
    """
    Validate and decode ``msg`` into an array; also say whether the array is private.

    max_pixels (None: no limit) is checked with the other header values, before any copy.

    Not private: a view of msg.data, which the caller must copy before handing it out
    (image_to_numpy) unless it copies anyway while converting (image_to_bgr, depth_to_metres):
    that way a frame is copied once on the hot path, not twice.
    """
    _, channels, dtype = _lookup(_field(msg, 'encoding'))
    height = _as_int(_field(msg, 'height'), 'height')
    width = _as_int(_field(msg, 'width'), 'width')
    step = _as_int(_field(msg, 'step'), 'step')
    big_endian = _as_int(_field(msg, 'is_bigendian'), 'is_bigendian') != 0
    data = _field(msg, 'data')

    if height <= 0 or width <= 0:
        raise ImageConversionError(
            f'image size {width}x{height} (width x height) is empty or negative; '
            'both must be positive')
    _check_pixels(width, height, max_pixels, 'image is')
    row_bytes = width * channels * dtype.itemsize
    if step < row_bytes:
        raise ImageConversionError(
            f'step {step} is smaller than width*channels*bytes = {row_bytes} '
            f'(width {width}, channels {channels}, bytes {dtype.itemsize})')
    if step % dtype.itemsize:
        raise ImageConversionError(
            f'step {step} is not a multiple of the {dtype.itemsize}-byte pixel item size')
    expected = step * height
    if expected > MAX_IMAGE_BYTES:
        raise ImageConversionError(
            f'step*height = {expected} bytes (step {step}, height {height}) exceeds the '
            f'{MAX_IMAGE_BYTES}-byte limit')
    actual = _byte_count(data)
    if actual >= 0 and actual != expected:
        raise ImageConversionError(
            f'data has {actual} bytes, expected step*height = {expected} '
            f'(step {step}, height {height})')

    flat, aliases_mutable = _as_uint8(data)  # sizes already match, so this is cheap
    if flat.size != expected:  # list of ints whose length was not its byte count
        raise ImageConversionError(
            f'data has {flat.size} bytes, expected step*height = {expected} '
            f'(step {step}, height {height})')
    wire = dtype.newbyteorder('>' if big_endian else '<') if dtype.itemsize > 1 else dtype
    rows = flat.reshape(height, step)[:, :row_bytes].view(wire)  # crops any row padding
    image = rows.reshape((height, width, channels) if channels > 1 else (height, width))
    if not wire.isnative:
        return image.astype(dtype), True  # byte swap; the new array is private
    # A view of an immutable bytes object may be handed out as it is (read-only).
    return image, not aliases_mutable


def image_to_bgr(msg: Any, *, max_pixels: Optional[int] = None) -> np.ndarray:
    """
    Decode a colour or mono Image-like message into a new writable HxWx3 uint8 BGR array.

    rgb8 is swapped to BGR, alpha is dropped, mono8 is replicated into three channels and
    mono16 is reduced to its high byte first. Depth encodings (16UC1, 32FC1) are rejected.
    An image of more than max_pixels pixels (width*height) is rejected before anything is
    copied; None means no limit beyond MAX_IMAGE_BYTES.
    """
    max_pixels = _pixel_limit(max_pixels)
    encoding, _, _ = _lookup(_field(msg, 'encoding'))
    if encoding in ('16UC1', '32FC1'):
        raise ImageConversionError(
            f'{encoding} is a depth encoding; use depth_to_metres')
    image, _ = _decode(msg, max_pixels)  # converted into a new array below
    if encoding == 'rgb8':
        bgr = image[..., ::-1]
    elif encoding == 'rgba8':
        bgr = image[..., 2::-1]
    elif encoding in ('bgr8', 'bgra8'):
        bgr = image[..., :3]
    else:  # mono8 or mono16: grey replicated into B, G and R
        grey = (image >> 8).astype(np.uint8) if encoding == 'mono16' else image
        bgr = np.broadcast_to(grey[..., np.newaxis], grey.shape + (3,))
    return np.array(bgr, dtype=np.uint8, order='C', copy=True)


def depth_to_metres(msg_or_array: Any, encoding: Optional[str] = None, *,
                    max_pixels: Optional[int] = None) -> np.ndarray:
    """
    Convert a depth image to a new float32 HxW array in metres, NaN where unknown.

    16UC1 and mono16 hold millimetres (0 means no reading); 32FC1 holds metres (0, negative,
    infinite and NaN mean no reading). Pass an Image-like message (encoding None or equal to
    msg.encoding), or a 2-D numpy array together with its encoding. An image of more than
    max_pixels pixels (width*height) is rejected before anything is converted (for a message,
    before its data is even looked at); None means no limit beyond MAX_IMAGE_BYTES.
    """
    max_pixels = _pixel_limit(max_pixels)
    if isinstance(msg_or_array, np.ndarray):
        if encoding is None:
            raise ImageConversionError(
                f"a depth array needs an explicit encoding: one of {', '.join(DEPTH_ENCODINGS)}")
    else:
        msg_encoding = _field(msg_or_array, 'encoding')
        if encoding is not None and encoding != msg_encoding:
            raise ImageConversionError(
                f'encoding {encoding!r} does not match the message encoding {msg_encoding!r}; '
                'pass None to use the message encoding')
        encoding = msg_encoding
    canonical, _, dtype = _lookup(encoding)
    if canonical not in DEPTH_ENCODINGS:
        raise ImageConversionError(
            f"{encoding} is not a depth encoding; supported: {', '.join(DEPTH_ENCODINGS)}")
    if isinstance(msg_or_array, np.ndarray):
        depth = msg_or_array
        if depth.ndim != 2 or depth.dtype.newbyteorder('=') != dtype:
            raise ImageConversionError(
                f'{encoding} depth must be a 2-D {dtype} array, got {depth.ndim}-D '
                f'{depth.dtype}')
        _check_pixels(depth.shape[1], depth.shape[0], max_pixels, 'depth image is')
    else:
        depth, _ = _decode(msg_or_array, max_pixels)  # converted into a new array below

    metres = depth.astype(np.float32)  # always a new array
    if canonical == '32FC1':
        with np.errstate(invalid='ignore'):
            metres[~np.isfinite(metres) | (metres <= 0)] = np.nan
    else:
        metres /= np.float32(1000.0)
        metres[depth == 0] = np.nan
    return metres


def _check_decoded_size(width: int, height: int, max_pixels: Optional[int]) -> None:
    """Raise if a compressed image's claimed size is empty or over either size limit."""
    if width == 0 or height == 0 or width * height * 3 > MAX_IMAGE_BYTES:
        raise ImageConversionError(
            f'compressed image claims {width}x{height} pixels; it must be non-empty and at '
            f'most {MAX_IMAGE_BYTES} bytes once decoded')
    _check_pixels(width, height, max_pixels, 'compressed image claims')


def _png_size(data: memoryview, max_pixels: Optional[int]) -> Tuple[int, int]:
    """
    Return (width, height) of a PNG after checking its header and chunks against the data.

    OpenCV 4.11 allocates whatever a chunk's length field claims (a 250-byte file can make
    it zero 4 GiB), so every chunk must fit inside data. Since deflate expands at most
    1032:1, the image data (all IDAT chunks) must be big enough for the size the header
    claims, so the header's colour type and bit depth must be valid ones; an interlaced image
    needs more data than this bound. Animated PNGs are refused: OpenCV decodes them through
    full-size frame buffers of its own, several times the size of the image. A PNG without
    its IEND chunk is truncated (libpng would say so on stderr).
    """
    if bytes(data[12:16]) == b'CgBI':
        raise ImageConversionError(
            "PNG starts with Apple's CgBI chunk: this iOS-optimised variant is not a standard "
            'PNG and libpng cannot decode it; publish a standard PNG')
    if len(data) < 33 or bytes(data[8:16]) != b'\0\0\0\rIHDR':
        raise ImageConversionError(
            'PNG data is too short or does not start with a 13-byte IHDR chunk')
    width = int.from_bytes(data[16:20], 'big')
    height = int.from_bytes(data[20:24], 'big')
    depth, colour, compression, filtering, interlace = data[24:29]
    channels, depths = _PNG_COLOUR_TYPES.get(colour, (0, ()))
    if depth not in depths:
        raise ImageConversionError(
            f'PNG header claims colour type {colour} with bit depth {depth}, which PNG does not '
            'define (0: 1/2/4/8/16, 2: 8/16, 3: 1/2/4/8, 4: 8/16, 6: 8/16): the data is corrupt')
    if compression or filtering or interlace > 1:
        raise ImageConversionError(
            f'PNG header claims compression method {compression}, filter method {filtering} '
            f'and interlace method {interlace}; PNG defines only 0, 0 and 0 or 1: the data is '
            'corrupt')
    pos, idat_bytes, ended, animated = 8, 0, False, False
    while pos + 8 <= len(data):  # each chunk advances pos by at least 12 bytes
        length = int.from_bytes(data[pos:pos + 4], 'big')
        kind = bytes(data[pos + 4:pos + 8])
        if pos + 12 + length > len(data):
            raise ImageConversionError(
                f'PNG chunk at byte {pos} claims {length} bytes but only '
                f'{len(data) - pos - 12} remain: the data is truncated or corrupt')
        if kind == b'IEND':
            ended = True
            break
        idat_bytes += length if kind == b'IDAT' else 0
        animated = animated or kind == b'acTL'
        pos += 12 + length
    if animated:
        raise ImageConversionError(
            'animated PNG (acTL chunk) is not supported: a camera frame is one still image, '
            'and OpenCV decodes animations through extra full-size frame buffers; publish a '
            'plain PNG')
    row_bytes = 1 + (width * channels * depth + 7) // 8  # a filter-type byte, then the samples
    if width and height and height * row_bytes > 1032 * idat_bytes:
        raise ImageConversionError(
            f'PNG claims {width}x{height} pixels but holds only {idat_bytes} bytes of image '
            'data: the data is truncated or corrupt')
    _check_decoded_size(width, height, max_pixels)
    if not ended:
        raise ImageConversionError('PNG data ends without an IEND chunk: the data is truncated')
    return width, height


def _jpeg_frame(data: memoryview, pos: int, max_pixels: Optional[int]) -> Tuple[int, int]:
    """
    Check the JPEG frame header (SOFn marker segment) at pos; return its (width, height).

    Only Huffman-coded frames are decoded (SOF0..SOF3). Huffman coding spends at least one
    bit on every 8x8 block (every sample in lossless mode), so such a file holds at most 512
    pixels per byte; a small file claiming more is corrupt or hostile. Arithmetic coding has
    no such bound (a 4 KB SOF9 file claiming 13000x13000 makes libjpeg fill a 500 MB image)
    and libjpeg does not decode hierarchical frames at all, so both are refused up front.
    """
    marker = data[pos + 1]
    if marker not in _JPEG_HUFFMAN_SOF:
        n = marker - 0xC0  # SOF5..7 and SOF13..15 are hierarchical, SOF9..15 arithmetic-coded
        kind = ('hierarchical ' if n & 4 else '') + ('arithmetic-coded ' if n & 8 else '')
        reason = 'libjpeg cannot decode it' if n & 4 else 'no camera driver produces it'
        raise ImageConversionError(
            f'{kind}JPEG (SOF{n}) is not supported: {reason}; re-encode as baseline or '
            'progressive JPEG')
    height = int.from_bytes(data[pos + 5:pos + 7], 'big')
    width = int.from_bytes(data[pos + 7:pos + 9], 'big')
    if width * height > 512 * len(data):
        raise ImageConversionError(
            f'JPEG claims {width}x{height} pixels, more than {len(data)} bytes can '
            'hold: the data is truncated or corrupt')
    _check_decoded_size(width, height, max_pixels)
    return width, height


def _jpeg_size(data: memoryview, max_pixels: Optional[int]) -> Tuple[int, int]:
    """
    Return (width, height) of a JPEG after checking its frame header and that it is complete.

    The segments up to the first scan are walked; the frame header is checked by _jpeg_frame.
    Then an end-of-image marker (EOI) must follow the scan header: without one the frame is
    truncated, which OpenCV 4.11 only finds out after allocating and decoding the image.
    What this cannot see is damaged scan data in a complete, EOI-terminated file (bit errors,
    a missing middle, a frame cut short and then terminated): libjpeg decodes those and prints
    one 'Corrupt JPEG data: ...' line on stderr for each.
    """
    end, pos, size = len(data), 2, None
    for _ in range(10000):  # real files have a few dozen segments before their first scan
        if pos + 4 > end or data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
        elif marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            pos += 2
        elif marker in (0xD9, 0xDA):  # end of image, or the first scan
            break
        else:
            if size is None and marker in _JPEG_SOF and pos + 9 <= end:
                size = _jpeg_frame(data, pos, max_pixels)
            pos += 2 + max(int.from_bytes(data[pos + 2:pos + 4], 'big'), 2)
    if size is None:
        raise ImageConversionError('JPEG data has no readable frame header (SOF) before its scan')
    if pos + 4 > end or data[pos] != 0xFF or data[pos + 1] != 0xDA:
        raise ImageConversionError(
            'JPEG data ends before its first scan (SOS marker): the data is truncated or corrupt')
    scan = pos + 2 + int.from_bytes(data[pos + 2:pos + 4], 'big')  # the coded data
    ends_with_eoi = end - scan >= 2 and data[end - 2] == 0xFF and data[end - 1] == 0xD9
    if not ends_with_eoi and b'\xff\xd9' not in bytes(data[scan:]):  # else EOI, then padding
        raise ImageConversionError(
            f'JPEG data of {end} bytes has no end-of-image marker (EOI) after its scan: the '
            'frame is truncated')
    return size


def compressed_to_bgr(msg: Any, *, max_pixels: Optional[int] = None) -> np.ndarray:
    """
    Decode a sensor_msgs/CompressedImage-like message (JPEG or PNG) to HxWx3 uint8 BGR.

    The data is recognised by its signature, whatever the format string says ('jpeg',
    'png', 'rgb8; jpeg compressed bgr8', ...); the format is only used to reject data that
    is clearly not a JPEG/PNG colour image, such as compressedDepth. Only JPEG and PNG ever
    reach cv2 (not its other, less hardened decoders), and only once the header's image
    size has been checked against the data and the limits (MAX_IMAGE_BYTES of decoded BGR,
    and max_pixels pixels, width*height, unless it is None), every PNG chunk length against
    the data, and the file found complete (JPEG: an EOI after the scan; PNG: an IEND chunk).
    Arithmetic-coded, hierarchical and animated files are refused.
    """
    max_pixels = _pixel_limit(max_pixels)
    fmt = _field(msg, 'format')
    if not isinstance(fmt, str):
        raise ImageConversionError(f'format must be a string, got {type(fmt).__name__}')
    words = set(re.split(r'[^a-z0-9]+', fmt.lower()))
    if words & _NOT_JPEG_PNG:
        raise ImageConversionError(
            f'compressed format {fmt!r} is not a JPEG/PNG colour image; supported formats '
            "are 'jpeg', 'png' and image_transport's '<enc>; jpeg|png compressed <enc>'")
    data = _field(msg, 'data')
    if _byte_count(data) > MAX_IMAGE_BYTES:
        raise ImageConversionError(
            f'compressed data of {_byte_count(data)} bytes exceeds the {MAX_IMAGE_BYTES}-byte '
            'limit')
    buf, _ = _as_uint8(data)
    if buf.size == 0:
        raise ImageConversionError('compressed image data is empty')
    view = memoryview(buf)
    if bytes(view[:8]) == _PNG_SIGNATURE:
        _png_size(view, max_pixels)
    elif bytes(view[:3]) == b'\xff\xd8\xff':
        _jpeg_size(view, max_pixels)
    else:
        raise ImageConversionError(
            f'compressed data (format {fmt!r}) is neither JPEG nor PNG: it starts with '
            f'{bytes(view[:8])!r}')
    try:
        bgr = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    except cv2.error as exc:
        raise ImageConversionError(f'cannot decode compressed image: {exc}') from None
    if bgr is None or bgr.ndim != 3 or bgr.shape[2] != 3 or bgr.dtype != np.uint8:
        raise ImageConversionError(
            f'cannot decode {buf.size} bytes of compressed data (format {fmt!r}) as JPEG or PNG')
    return bgr


def numpy_to_image(array: np.ndarray, encoding: str, header: Any = None) -> Any:
    """
    Build a sensor_msgs.msg.Image from an array matching encoding (see image_to_numpy).

    The message is little-endian (is_bigendian 0) with unpadded rows:
    step = width * channels * itemsize. encoding is written as given (aliases included);
    header (std_msgs/Header) is copied in when given.
    """
    from sensor_msgs.msg import Image

    _, channels, dtype = _lookup(encoding)
    if not isinstance(array, np.ndarray):
        raise ImageConversionError(f'expected a numpy array, got {type(array).__name__}')
    shape = array.shape
    if channels == 1:
        ok_shape = len(shape) == 2 or (len(shape) == 3 and shape[2] == 1)
        want = '(H, W) or (H, W, 1)'
    else:
        ok_shape = len(shape) == 3 and shape[2] == channels
        want = f'(H, W, {channels})'
    if not ok_shape or array.dtype.newbyteorder('=') != dtype:
        raise ImageConversionError(
            f'{encoding} needs a {want} {dtype} array, got shape {shape} {array.dtype}')
    height, width = shape[:2]
    if height == 0 or width == 0:
        raise ImageConversionError(f'image size {width}x{height} is empty')
    if array.nbytes > MAX_IMAGE_BYTES:
        raise ImageConversionError(
            f'image of {array.nbytes} bytes exceeds the {MAX_IMAGE_BYTES}-byte limit')

    msg = Image()
    if header is not None:
        msg.header = header
    msg.height = height
    msg.width = width
    msg.encoding = encoding
    msg.is_bigendian = 0
    msg.step = width * channels * dtype.itemsize
    data = pyarray.array('B')
    # One copy of the pixels: straight from the (little-endian) array into the message.
    data.frombytes(np.ascontiguousarray(array, dtype=dtype.newbyteorder('<')).reshape(-1)
                   .view(np.uint8))
    msg.data = data  # array.array('B') skips rclpy's per-element field check
    return msg


def bgr_to_compressed(bgr: np.ndarray, fmt: str = 'jpeg', header: Any = None,
                      quality: int = 90) -> Any:
    """
    Encode an HxWx3 uint8 BGR array into a sensor_msgs.msg.CompressedImage.

    fmt is 'jpeg' (or 'jpg') or 'png'; quality (1..100) applies to JPEG only. The format
    field follows compressed_image_transport, e.g. 'bgr8; jpeg compressed bgr8'.
    """
    from sensor_msgs.msg import CompressedImage

    codec = {'jpeg': 'jpeg', 'jpg': 'jpeg', 'png': 'png'}.get(fmt)
    if codec is None:
        raise ImageConversionError(f"unsupported compressed format {fmt!r}; use 'jpeg' or 'png'")
    if (not isinstance(bgr, np.ndarray) or bgr.ndim != 3 or bgr.shape[2] != 3
            or bgr.dtype != np.uint8 or bgr.shape[0] == 0 or bgr.shape[1] == 0):
        raise ImageConversionError(
            'expected a non-empty (H, W, 3) uint8 BGR array, got '
            f"{getattr(bgr, 'shape', type(bgr).__name__)} {getattr(bgr, 'dtype', '')}")
    if isinstance(quality, bool) or not 1 <= _as_int(quality, 'quality') <= 100:
        raise ImageConversionError(f'quality must be an integer in 1..100, got {quality!r}')
    quality = int(quality)
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if codec == 'jpeg' else []
    ok, encoded = cv2.imencode('.' + ('jpg' if codec == 'jpeg' else 'png'), bgr, params)
    if not ok:
        raise ImageConversionError(f'cv2 could not encode the image as {codec}')

    msg = CompressedImage()
    if header is not None:
        msg.header = header
    msg.format = f'bgr8; {codec} compressed bgr8'
    data = pyarray.array('B')
    data.frombytes(encoded.reshape(-1))
    msg.data = data
    return msg
