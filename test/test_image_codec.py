# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""Tests for pose_ros.image_codec: round trips, layouts, byte order and every rejection."""

import array
import dataclasses
import os
import re
import subprocess
import sys
from typing import Any, Optional
import zlib

import cv2

import numpy as np

from pose_ros import image_codec
from pose_ros.image_codec import bgr_to_compressed
from pose_ros.image_codec import compressed_to_bgr
from pose_ros.image_codec import depth_to_metres
from pose_ros.image_codec import image_to_bgr
from pose_ros.image_codec import image_to_numpy
from pose_ros.image_codec import numpy_to_image

import pytest

from sensor_msgs.msg import CompressedImage, Image

from std_msgs.msg import Header

ImageConversionError = image_codec.ImageConversionError
MAX_IMAGE_BYTES = image_codec.MAX_IMAGE_BYTES
ALL_ENCODINGS = list(image_codec.SUPPORTED_ENCODINGS) + list(image_codec.ENCODING_ALIASES)

# The test's own view of the encodings (an oracle independent of the module's table).
LAYOUT = {
    'rgb8': (3, np.uint8), 'bgr8': (3, np.uint8), 'rgba8': (4, np.uint8),
    'bgra8': (4, np.uint8), 'mono8': (1, np.uint8), 'mono16': (1, np.uint16),
    '16UC1': (1, np.uint16), '32FC1': (1, np.float32),
    '8UC1': (1, np.uint8), '8UC3': (3, np.uint8), '8UC4': (4, np.uint8),
}


@dataclasses.dataclass
class FakeImage:
    """A minimal stand-in for sensor_msgs/Image."""

    height: int
    width: int
    encoding: str
    is_bigendian: int
    step: int
    data: Any


@dataclasses.dataclass
class FakeCompressed:
    """A minimal stand-in for sensor_msgs/CompressedImage."""

    format: str  # noqa: A003 (the message's field name)
    data: Any


def sample(encoding: str, height: int = 4, width: int = 5, seed: int = 0) -> np.ndarray:
    """Return an array with varied, real pixel values for encoding."""
    channels, dtype = LAYOUT[encoding]
    rng = np.random.default_rng(seed)
    shape = (height, width, channels) if channels > 1 else (height, width)
    if dtype == np.float32:
        return rng.uniform(0.1, 12.0, size=shape).astype(np.float32)
    return rng.integers(0, np.iinfo(dtype).max, size=shape, endpoint=True, dtype=dtype)


def fake(base: str = 'rgb8', **fields: Any) -> FakeImage:
    """Return a valid, unpadded little-endian 2x3 FakeImage of base encoding; override fields."""
    image = sample(base, height=2, width=3)
    msg = FakeImage(2, 3, base, 0, image.nbytes // 2,
                    image.astype(image.dtype.newbyteorder('<')).tobytes())
    for name, value in fields.items():
        setattr(msg, name, value)
    return msg


def smooth_bgr(height: int = 48, width: int = 64) -> np.ndarray:
    """Return a smooth colour gradient that JPEG reproduces closely."""
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([x * 255 // width, y * 255 // height, (x + y) * 255 // (width + height)],
                    axis=2).astype(np.uint8)


# --- round trips ---------------------------------------------------------------------------

@pytest.mark.parametrize('encoding', ALL_ENCODINGS)
def test_round_trip_every_encoding(encoding):
    """numpy_to_image then image_to_numpy returns the same pixels."""
    image = sample(encoding, height=6, width=7)
    msg = numpy_to_image(image, encoding)
    channels, dtype = LAYOUT[encoding]
    assert isinstance(msg, Image)
    assert (msg.height, msg.width, msg.encoding) == (6, 7, encoding)
    assert msg.is_bigendian == 0
    assert msg.step == 7 * channels * np.dtype(dtype).itemsize
    assert len(msg.data) == msg.step * msg.height
    out = image_to_numpy(msg)
    assert out.dtype == dtype and out.shape == image.shape
    np.testing.assert_array_equal(out, image)
    assert not out.flags.writeable


def test_round_trip_mono_accepts_trailing_channel_axis():
    """A (H, W, 1) mono array encodes like (H, W)."""
    image = sample('mono16')
    out = image_to_numpy(numpy_to_image(image[..., np.newaxis], 'mono16'))
    np.testing.assert_array_equal(out, image)


def test_numpy_to_image_writes_little_endian_from_big_endian_array():
    """Messages are always little-endian."""
    image = sample('32FC1')
    msg = numpy_to_image(image.astype('>f4'), '32FC1')
    assert msg.is_bigendian == 0
    assert bytes(msg.data) == image.astype('<f4').tobytes()
    np.testing.assert_array_equal(image_to_numpy(msg), image)


def test_numpy_to_image_copies_header():
    """The header is copied into the message."""
    header = Header(frame_id='camera_optical')
    header.stamp.sec = 42
    msg = numpy_to_image(sample('bgr8'), 'bgr8', header=header)
    assert msg.header.frame_id == 'camera_optical' and msg.header.stamp.sec == 42


# --- layout and byte order -----------------------------------------------------------------

def test_padded_rgb8_rows_are_cropped():
    """Row padding (step > width*3) is cropped away."""
    pixels = np.arange(2 * 5 * 3, dtype=np.uint8).reshape(2, 5, 3)
    data = b''.join(pixels[row].tobytes() + b'\xee' for row in range(2))  # 15 + 1 pad byte
    out = image_to_numpy(FakeImage(2, 5, 'rgb8', 0, 16, data))
    assert out.shape == (2, 5, 3)
    np.testing.assert_array_equal(out, pixels)


def test_padded_mono16_rows_are_cropped_in_a_real_message():
    """Padding is cropped for 16-bit rows too."""
    pixels = np.array([[1, 2, 3], [1000, 2000, 65535]], dtype='<u2')
    msg = Image(height=2, width=3, encoding='mono16', is_bigendian=0, step=8)
    msg.data = array.array('B', b''.join(row.tobytes() + b'\xff\xff' for row in pixels))
    np.testing.assert_array_equal(image_to_numpy(msg), pixels)


@pytest.mark.parametrize('encoding, wire', [('16UC1', '>u2'), ('mono16', '>u2'),
                                            ('32FC1', '>f4')])
def test_big_endian_data_decodes_to_native(encoding, wire):
    """is_bigendian data decodes to native values."""
    image = sample(encoding, 3, 4)
    msg = FakeImage(3, 4, encoding, 1, image.nbytes // 3, image.astype(wire).tobytes())
    out = image_to_numpy(msg)
    assert out.dtype.isnative
    np.testing.assert_array_equal(out, image)


def test_big_endian_with_padding():
    """Byte swapping and row cropping combine."""
    pixels = np.array([[1.5, -2.0], [np.inf, 0.25]], dtype='>f4')
    data = b''.join(row.tobytes() + b'\0' * 4 for row in pixels)
    out = image_to_numpy(FakeImage(2, 2, '32FC1', 1, 12, data))
    np.testing.assert_array_equal(out, pixels.astype(np.float32))


def test_is_bigendian_ignored_for_8_bit():
    """Byte order does not matter for 8-bit data."""
    msg = fake('rgb8', is_bigendian=1)
    np.testing.assert_array_equal(image_to_numpy(msg), sample('rgb8', 2, 3))


# --- data containers and aliasing ----------------------------------------------------------

@pytest.mark.parametrize('wrap', [
    bytes, bytearray, lambda b: array.array('B', b), list, tuple, memoryview,
    lambda b: np.frombuffer(b, dtype=np.uint8).copy(),
    lambda b: memoryview(b''.join(bytes([v, 0]) for v in b))[::2],  # non-contiguous
], ids=['bytes', 'bytearray', 'array', 'list', 'tuple', 'memoryview', 'ndarray', 'strided'])
def test_data_containers(wrap):
    """Every container rclpy, rosbags or users may hand over decodes."""
    image = sample('bgra8', 3, 4)
    out = image_to_numpy(FakeImage(3, 4, 'bgra8', 0, 16, wrap(image.tobytes())))
    np.testing.assert_array_equal(out, image)


def test_bytes_data_is_zero_copy_and_read_only():
    """Immutable bytes are viewed, not copied."""
    data = sample('rgb8').tobytes()
    out = image_to_numpy(FakeImage(4, 5, 'rgb8', 0, 15, data))
    assert np.shares_memory(out, np.frombuffer(data, dtype=np.uint8))
    assert not out.flags.writeable


def test_mutable_data_is_copied_so_message_can_be_reused():
    """Mutable data is copied: reuse is safe."""
    msg = Image(height=4, width=5, encoding='rgb8', step=15)
    msg.data = array.array('B', sample('rgb8').tobytes())
    out = image_to_numpy(msg)
    msg.data[0] ^= 0xFF
    msg.data.append(0)  # would raise BufferError if out still exported msg.data's buffer
    np.testing.assert_array_equal(out, sample('rgb8'))
    assert not out.flags.writeable


# --- image_to_bgr --------------------------------------------------------------------------

@pytest.mark.parametrize('encoding, pixel, expected', [
    ('rgb8', [10, 20, 30], [30, 20, 10]),
    ('bgr8', [10, 20, 30], [10, 20, 30]),
    ('8UC3', [10, 20, 30], [10, 20, 30]),
    ('rgba8', [10, 20, 30, 99], [30, 20, 10]),
    ('bgra8', [10, 20, 30, 99], [10, 20, 30]),
    ('8UC4', [10, 20, 30, 99], [10, 20, 30]),
    ('mono8', [77], [77, 77, 77]),
    ('8UC1', [77], [77, 77, 77]),
])
def test_image_to_bgr_channel_order(encoding, pixel, expected):
    """Each colour/mono encoding ends up in B, G, R order."""
    data = bytes(pixel) * 6
    bgr = image_to_bgr(FakeImage(2, 3, encoding, 0, 3 * len(pixel), data))
    assert bgr.shape == (2, 3, 3) and bgr.dtype == np.uint8
    assert (bgr == np.array(expected, dtype=np.uint8)).all()


def test_image_to_bgr_rgb8_real_message_matches_cv2():
    """rgb8 conversion matches cv2.cvtColor."""
    rgb = sample('rgb8', 6, 7)
    bgr = image_to_bgr(numpy_to_image(rgb, 'rgb8'))
    np.testing.assert_array_equal(bgr, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))


def test_image_to_bgr_mono16_takes_high_byte():
    """mono16 keeps the high byte of each pixel."""
    grey = np.array([[0, 255, 256], [0x1234, 0xFF00, 65535]], dtype=np.uint16)
    bgr = image_to_bgr(numpy_to_image(grey, 'mono16'))
    expected = np.array([[0, 0, 1], [0x12, 0xFF, 0xFF]], dtype=np.uint8)
    for channel in range(3):
        np.testing.assert_array_equal(bgr[..., channel], expected)


def test_image_to_bgr_result_is_writable_and_contiguous():
    """The BGR result can be drawn on."""
    bgr = image_to_bgr(fake('bgr8'))  # bytes data: image_to_numpy returned a read-only view
    assert bgr.flags.writeable and bgr.flags.c_contiguous
    cv2.circle(bgr, (1, 1), 1, (0, 0, 255))


@pytest.mark.parametrize('encoding', ['16UC1', '32FC1'])
def test_image_to_bgr_rejects_depth(encoding):
    """Depth encodings are pointed at depth_to_metres."""
    with pytest.raises(ImageConversionError, match=f'{encoding} is a depth encoding; use '
                                                   'depth_to_metres'):
        image_to_bgr(fake(encoding))


# --- depth_to_metres -----------------------------------------------------------------------

@pytest.mark.parametrize('encoding', ['16UC1', 'mono16'])
def test_depth_millimetres_to_metres(encoding):
    """Millimetres become metres and 0 becomes NaN."""
    mm = np.array([[0, 1, 1500], [65535, 0, 250]], dtype=np.uint16)
    for metres in (depth_to_metres(numpy_to_image(mm, encoding)), depth_to_metres(mm, encoding)):
        assert metres.dtype == np.float32 and metres.shape == (2, 3)
        assert np.isnan(metres[0, 0]) and np.isnan(metres[1, 1])
        np.testing.assert_allclose(metres[[0, 0, 1, 1], [1, 2, 0, 2]],
                                   [0.001, 1.5, 65.535, 0.25], rtol=1e-6)


def test_depth_32fc1_invalid_values_become_nan():
    """Zero, negative, infinite and NaN depth become NaN."""
    values = np.array([[1.25, 0.0, -0.5], [np.inf, -np.inf, np.nan]], dtype=np.float32)
    metres = depth_to_metres(FakeImage(2, 3, '32FC1', 0, 12, values.tobytes()))
    assert metres[0, 0] == np.float32(1.25)
    assert np.isnan(metres.ravel()[1:]).all()
    assert metres.flags.writeable


def test_depth_array_is_not_modified():
    """The caller's array is left alone."""
    values = np.array([[0.0, 2.0]], dtype=np.float32)
    depth_to_metres(values, '32FC1')
    assert values[0, 0] == 0.0


@pytest.mark.parametrize('source, encoding, message', [
    (np.zeros((2, 2), np.uint16), None, 'needs an explicit encoding'),
    (np.zeros((2, 2), np.float64), '32FC1', 'must be a 2-D float32 array'),
    (np.zeros((2, 2, 1), np.uint16), '16UC1', 'must be a 2-D uint16 array'),
    (np.zeros((2, 2), np.uint8), 'mono8', 'mono8 is not a depth encoding'),
    (np.zeros((2, 2), np.uint8), 'yuv', 'unsupported encoding'),
    (FakeImage(1, 1, 'rgb8', 0, 3, b'abc'), None, 'rgb8 is not a depth encoding'),
    (FakeImage(1, 1, '16UC1', 0, 2, b'ab'), '32FC1', 'does not match the message encoding'),
])
def test_depth_rejections(source, encoding, message):
    """Bad depth inputs raise ImageConversionError with a reason."""
    with pytest.raises(ImageConversionError, match=message):
        depth_to_metres(source, encoding)


# --- rejections ----------------------------------------------------------------------------

@pytest.mark.parametrize('fields, message', [
    ({'encoding': 'yuv422'}, "unsupported encoding 'yuv422'; supported: rgb8, bgr8"),
    ({'encoding': 'RGB8'}, 'unsupported encoding'),
    ({'encoding': None}, 'encoding must be a string'),
    ({'width': 0}, 'image size 0x2 .* empty or negative'),
    ({'height': 0, 'data': b''}, 'empty or negative'),
    ({'height': -2}, 'empty or negative'),
    ({'width': 2.0}, 'width must be an integer'),
    ({'step': '9'}, 'step must be an integer'),
    ({'is_bigendian': None}, 'is_bigendian must be an integer'),
    ({'step': 8}, r'step 8 is smaller than width\*channels\*bytes = 9'),
    ({'data': b'\0' * 17}, r'data has 17 bytes, expected step\*height = 18 \(step 9, height 2\)'),
    ({'data': b'\0' * 19}, 'data has 19 bytes, expected'),
    ({'data': b''}, 'data has 0 bytes'),
    ({'height': 2 ** 31, 'step': 2 ** 31}, 'exceeds the 536870912-byte limit'),
    ({'height': 1, 'width': MAX_IMAGE_BYTES, 'step': 3 * MAX_IMAGE_BYTES}, 'exceeds'),
    ({'data': 'not bytes at all!!'}, 'data must be bytes, bytearray'),
    ({'data': None}, 'data must be bytes'),
    ({'data': [300] * 18}, r'integers in 0\.\.255'),
    ({'data': [-1] * 18}, r'integers in 0\.\.255'),
    ({'data': [0.5] * 18}, r'integers in 0\.\.255'),
    ({'data': array.array('H', [0] * 9)}, '1-byte items'),
    ({'data': np.zeros(18, np.int16)}, 'data has -1 bytes|must be uint8'),
])
def test_image_rejections(fields, message):
    """Each malformed header or data raises with a helpful message."""
    with pytest.raises(ImageConversionError, match=message):
        image_to_numpy(fake('rgb8', **fields))


def test_step_must_be_multiple_of_item_size():
    """16-bit rows must start on an item boundary."""
    msg = fake('16UC1', step=7, data=b'\0' * 14)
    with pytest.raises(ImageConversionError, match='step 7 is not a multiple of the 2-byte'):
        image_to_numpy(msg)


def test_missing_field():
    """A non-Image object is named in the error."""
    with pytest.raises(ImageConversionError, match="no field 'encoding'"):
        image_to_numpy(FakeCompressed('jpeg', b''))


def test_error_is_a_value_error():
    """Callers may catch ValueError."""
    assert issubclass(ImageConversionError, ValueError)


@pytest.mark.parametrize('image, encoding, message', [
    (np.zeros((2, 3), np.uint8), 'rgb8', r'rgb8 needs a \(H, W, 3\) uint8 array'),
    (np.zeros((2, 3, 4), np.uint8), 'bgr8', r'\(H, W, 3\)'),
    (np.zeros((2, 3), np.float64), '32FC1', 'float32'),
    (np.zeros((2, 3), np.int16), '16UC1', 'uint16'),
    (np.zeros((2, 3, 2), np.uint8), 'mono8', r'\(H, W\) or \(H, W, 1\)'),
    (np.zeros((0, 3), np.uint8), 'mono8', 'empty'),
    (np.zeros((2, 3), np.uint8), 'yuv422', 'unsupported encoding'),
    ([[1, 2]], 'mono8', 'expected a numpy array'),
])
def test_numpy_to_image_rejections(image, encoding, message):
    """Arrays that do not match the encoding are rejected."""
    with pytest.raises(ImageConversionError, match=message):
        numpy_to_image(image, encoding)


# --- compressed ----------------------------------------------------------------------------

@pytest.mark.parametrize('fmt', ['jpeg', 'rgb8; jpeg compressed bgr8', '', 'whatever'])
def test_compressed_jpeg_decodes(fmt):
    """JPEG decodes whatever the (non-depth) format string says."""
    bgr = smooth_bgr()
    ok, jpeg = cv2.imencode('.jpg', bgr, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    out = compressed_to_bgr(FakeCompressed(fmt, jpeg.tobytes()))
    assert out.shape == bgr.shape and out.dtype == np.uint8
    assert np.abs(out.astype(int) - bgr).mean() < 3.0


@pytest.mark.parametrize('fmt', ['png', 'bgr8; png compressed', 'jpeg'])
def test_compressed_png_is_lossless(fmt):
    """PNG decodes to exactly the encoded pixels."""
    bgr = sample('bgr8', 9, 11)
    ok, png = cv2.imencode('.png', bgr)
    assert ok
    msg = CompressedImage(format=fmt)
    msg.data = array.array('B', png.tobytes())
    np.testing.assert_array_equal(compressed_to_bgr(msg), bgr)


def test_compressed_grey_png_becomes_bgr():
    """A greyscale PNG decodes to three equal channels."""
    grey = sample('mono8', 5, 6)
    out = compressed_to_bgr(FakeCompressed('png', cv2.imencode('.png', grey)[1]))
    assert out.shape == (5, 6, 3)
    np.testing.assert_array_equal(out[..., 1], grey)


@pytest.mark.parametrize('fmt', ['jpeg', 'jpg', 'png'])
def test_bgr_to_compressed_round_trip(fmt):
    """bgr_to_compressed output decodes back."""
    bgr = smooth_bgr()
    header = Header(frame_id='cam')
    msg = bgr_to_compressed(bgr, fmt, header=header, quality=95)
    assert isinstance(msg, CompressedImage) and msg.header.frame_id == 'cam'
    codec = 'png' if fmt == 'png' else 'jpeg'
    assert msg.format == f'bgr8; {codec} compressed bgr8'
    out = compressed_to_bgr(msg)
    if fmt == 'png':
        np.testing.assert_array_equal(out, bgr)
    else:
        assert np.abs(out.astype(int) - bgr).mean() < 3.0


def test_jpeg_quality_changes_size():
    """The quality argument reaches the JPEG encoder."""
    bgr = sample('bgr8', 32, 32)
    small = bgr_to_compressed(bgr, quality=np.int64(10))  # numpy integers are fine too
    assert len(small.data) < len(bgr_to_compressed(bgr).data)


@pytest.mark.parametrize('args, message', [
    ((sample('bgr8'), 'webp'), "unsupported compressed format 'webp'"),
    ((sample('rgba8'), 'jpeg'), r'\(H, W, 3\) uint8'),
    ((sample('mono8'), 'png'), r'\(H, W, 3\) uint8'),
    ((np.zeros((0, 4, 3), np.uint8), 'png'), 'non-empty'),
    ((sample('bgr8'), 'jpeg', None, 0), r'quality must be an integer in 1\.\.100'),
    ((sample('bgr8'), 'jpeg', None, 90.0), 'quality must be an integer'),
    ((sample('bgr8'), 'jpeg', None, True), 'quality must be an integer'),
])
def test_bgr_to_compressed_rejections(args, message):
    """Bad encoder arguments raise ImageConversionError."""
    with pytest.raises(ImageConversionError, match=message):
        bgr_to_compressed(*args)


def png_header(width: int, height: int) -> bytes:
    """Return the first bytes of a PNG claiming the given size."""
    return b'\x89PNG\r\n\x1a\n' + b'\0\0\0\rIHDR' + width.to_bytes(4, 'big') + \
        height.to_bytes(4, 'big') + b'\x08\x02\0\0\0' + b'\0' * 4  # 4: unchecked CRC


def jpeg_header(width: int, height: int) -> bytes:
    """Return the first bytes of a JPEG (with an APP0 segment) claiming the given size."""
    app0 = b'\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00'
    sof0 = b'\xff\xc0\x00\x11\x08' + height.to_bytes(2, 'big') + width.to_bytes(2, 'big')
    return b'\xff\xd8' + app0 + sof0 + b'\x03' + b'\0' * 9


def corrupt_idat_png() -> bytes:
    """Return a PNG whose structure is intact but whose compressed pixels are not."""
    png = bytearray(cv2.imencode('.png', sample('bgr8', 8, 8))[1].tobytes())
    start = png.index(b'IDAT') + 4
    png[start:start + 6] = b'\xde\xad\xbe\xef\x00\x01'
    return bytes(png)


VALID_PNG = cv2.imencode('.png', sample('bgr8', 8, 8))[1].tobytes()
VALID_JPEG = cv2.imencode('.jpg', sample('bgr8', 8, 8))[1].tobytes()


@pytest.mark.parametrize('fmt, data, message', [
    ('jpeg', b'', 'compressed image data is empty'),
    ('jpeg', b'definitely not an image', "neither JPEG nor PNG: it starts with b'definite'"),
    ('png', bytes(range(256)) * 4, 'neither JPEG nor PNG'),
    ('', cv2.imencode('.bmp', sample('bgr8'))[1].tobytes(), 'neither JPEG nor PNG'),
    ('jpeg', VALID_JPEG[:20], 'no readable frame header'),
    ('png', VALID_PNG[:20], 'too short'),
    ('png', VALID_PNG[:-20], 'truncated or corrupt'),
    ('png', VALID_PNG[:33] + b'\xff\xe4\x22\x79IDAT' + b'\0' * 200,
     'chunk at byte 33 claims 4293141113 bytes but only 196 remain'),
    ('png', corrupt_idat_png(), 'cannot decode'),
    ('16UC1; compressedDepth png', b'\0' * 12 + png_header(2, 2), 'not a JPEG/PNG colour image'),
    ('compressedDepth', b'x', 'compressedDepth'),
    ('h264', b'\0\0\0\1', 'not a JPEG/PNG'),
    (None, b'x', 'format must be a string'),
    ('jpeg', 'text', 'data must be'),
    ('jpeg', [256], r'0\.\.255'),
    ('png', png_header(100000, 100000), 'claims 100000x100000 pixels but holds only 0 bytes'),
    ('png', png_header(0, 5), 'claims 0x5 pixels; it must be non-empty'),
    ('png', png_header(20000, 20000) + (1200000).to_bytes(4, 'big') + b'IDAT' + b'\0' * 1200004,
     r'claims 20000x20000 pixels; it must be non-empty and at most 536870912 bytes'),
    ('jpeg', jpeg_header(65535, 65535), 'JPEG claims 65535x65535 pixels, more than 39 bytes'),
    ('jpeg', jpeg_header(20000, 20000) + b'\0' * 800000, 'at most 536870912 bytes once decoded'),
])
def test_compressed_rejections(fmt, data, message):
    """Bad compressed messages raise with a helpful message."""
    with pytest.raises(ImageConversionError, match=message):
        compressed_to_bgr(FakeCompressed(fmt, data))


# --- decompression bombs, header forms and truncation --------------------------------------

@pytest.fixture
def no_decoding(monkeypatch):
    """Fail the test if cv2.imdecode is called: the guard must refuse the data first."""
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError('cv2.imdecode was called: the data reached the decoder')

    monkeypatch.setattr(cv2, 'imdecode', refuse)


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    """Return a JPEG marker segment: 0xFF, marker, length (2 + payload bytes), payload."""
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, 'big') + payload


def jpeg_frame(marker: int, width: int, height: int, scan: bytes) -> bytes:
    """
    Return a whole 3-component JPEG built by hand, with scan as its coded data.

    SOI, DQT, DAC (arithmetic conditioning, also accepted in a Huffman file), the SOFn frame
    header, SOS, the scan data and EOI: with marker 0xC9 (SOF9) libjpeg decodes it.
    """
    components = b''.join(bytes([c, 0x11, 0]) for c in (1, 2, 3))
    frame = b'\x08' + height.to_bytes(2, 'big') + width.to_bytes(2, 'big') + b'\x03' + components
    return (b'\xff\xd8' + jpeg_segment(0xDB, b'\x00' + b'\x01' * 64)
            + jpeg_segment(0xCC, b'\x00\x11\x10\x05') + jpeg_segment(marker, frame)
            + jpeg_segment(0xDA, b'\x03\x01\x00\x02\x00\x03\x00\x00\x3f\x00')
            + scan + b'\xff\xd9')


def lossless_jpeg(width: int, height: int) -> bytes:
    """Return a 3-component lossless (SOF3) JPEG whose samples are all 128."""
    components = b''.join(bytes([c, 0x11, 0]) for c in (1, 2, 3))
    frame = b'\x08' + height.to_bytes(2, 'big') + width.to_bytes(2, 'big') + b'\x03' + components
    dht = jpeg_segment(0xC4, b'\x00\x01' + b'\0' * 15 + b'\x00')  # one 1-bit code: difference 0
    sos = jpeg_segment(0xDA, b'\x03\x01\x00\x02\x00\x03\x00\x01\x00\x00')  # predictor 1
    return (b'\xff\xd8' + dht + jpeg_segment(0xC3, frame) + sos
            + bytes((width * height * 3 + 7) // 8) + b'\xff\xd9')  # 0 bits: all differences 0


def camera_jpeg(*params: int) -> bytes:
    """Return a 320x240 JPEG of a noisy gradient, encoded with the given cv2 parameters."""
    rng = np.random.default_rng(7)
    image = smooth_bgr(240, 320).astype(np.int16) + rng.integers(-20, 21, (240, 320, 3))
    return cv2.imencode('.jpg', np.clip(image, 0, 255).astype(np.uint8), list(params))[1].tobytes()


# A 4 KB arithmetic-coded frame claiming 13000x13000 pixels: cv2 would fill 507 MB for it.
ARITHMETIC_BOMB = jpeg_frame(0xC9, 13000, 13000, bytes(4000))
UNSUPPORTED_SOF = {  # marker -> how the error must describe it
    0xC5: 'hierarchical JPEG (SOF5) is not supported: libjpeg cannot decode it',
    0xC6: 'hierarchical JPEG (SOF6) is not supported: libjpeg cannot decode it',
    0xC7: 'hierarchical JPEG (SOF7) is not supported: libjpeg cannot decode it',
    0xC9: 'arithmetic-coded JPEG (SOF9) is not supported: no camera driver produces it',
    0xCA: 'arithmetic-coded JPEG (SOF10) is not supported: no camera driver produces it',
    0xCB: 'arithmetic-coded JPEG (SOF11) is not supported: no camera driver produces it',
    0xCD: 'hierarchical arithmetic-coded JPEG (SOF13) is not supported: libjpeg cannot '
          'decode it',
    0xCE: 'hierarchical arithmetic-coded JPEG (SOF14) is not supported: libjpeg cannot '
          'decode it',
    0xCF: 'hierarchical arithmetic-coded JPEG (SOF15) is not supported: libjpeg cannot '
          'decode it',
}
JPEG_KINDS = {
    'baseline': (),
    'progressive': (cv2.IMWRITE_JPEG_PROGRESSIVE, 1),
    'restart markers': (cv2.IMWRITE_JPEG_RST_INTERVAL, 4),
}
CAMERA_JPEG = camera_jpeg()


def test_arithmetic_coded_bomb_is_refused_before_decoding(no_decoding):
    """A few-KB SOF9 file claiming 13000x13000 pixels never reaches cv2."""
    assert len(ARITHMETIC_BOMB) < 5000
    with pytest.raises(ImageConversionError, match=re.escape(
            'arithmetic-coded JPEG (SOF9) is not supported: no camera driver produces it; '
            're-encode as baseline or progressive JPEG')):
        compressed_to_bgr(FakeCompressed('jpeg', ARITHMETIC_BOMB))


@pytest.mark.parametrize('width, height', [(64, 48), (13000, 13000)])
@pytest.mark.parametrize('marker', sorted(UNSUPPORTED_SOF), ids=hex)
def test_arithmetic_and_hierarchical_jpeg_are_refused(marker, width, height, no_decoding):
    """Every SOF5..7 and SOF9..15 frame is refused by name, whatever size it claims."""
    data = jpeg_frame(marker, width, height, bytes(4000))
    with pytest.raises(ImageConversionError, match=re.escape(
            f'{UNSUPPORTED_SOF[marker]}; re-encode as baseline or progressive JPEG')):
        compressed_to_bgr(FakeCompressed('jpeg', data))


@pytest.mark.parametrize('marker', [0xC0, 0xC1, 0xC2, 0xC3], ids=hex)
def test_huffman_jpeg_claim_is_bounded_by_its_size(marker, no_decoding):
    """SOF0..SOF3 files may claim at most 512 pixels per byte."""
    data = jpeg_frame(marker, 13000, 13000, bytes(4000))
    with pytest.raises(ImageConversionError, match=f'JPEG claims 13000x13000 pixels, more than '
                                                   f'{len(data)} bytes can hold'):
        compressed_to_bgr(FakeCompressed('jpeg', data))


@pytest.mark.parametrize('kind', ['SOF0 baseline', 'SOF1 extended', 'SOF2 progressive',
                                  'SOF3 lossless'])
def test_huffman_jpeg_frames_decode(kind, capfd):
    """Baseline, extended, progressive and lossless Huffman JPEGs all decode, quietly."""
    bgr = smooth_bgr()
    quality = [cv2.IMWRITE_JPEG_QUALITY, 95]
    progressive = quality + [cv2.IMWRITE_JPEG_PROGRESSIVE, 1]
    baseline = cv2.imencode('.jpg', bgr, quality)[1].tobytes()
    sof0 = baseline.index(b'\xff\xc0\x00\x11')
    data = {
        'SOF0 baseline': baseline,
        'SOF1 extended': baseline[:sof0] + b'\xff\xc1' + baseline[sof0 + 2:],
        'SOF2 progressive': cv2.imencode('.jpg', bgr, progressive)[1].tobytes(),
        'SOF3 lossless': lossless_jpeg(16, 12),
    }[kind]
    out = compressed_to_bgr(FakeCompressed('jpeg', data))
    if kind == 'SOF3 lossless':
        assert out.shape == (12, 16, 3) and (out == 128).all()
    else:
        assert out.shape == bgr.shape and np.abs(out.astype(int) - bgr).mean() < 3.0
    assert capfd.readouterr().err == ''


@pytest.mark.parametrize('padded', [False, True], ids=['cut', 'cut and zero-padded'])
@pytest.mark.parametrize('keep', [0.1, 0.5, 0.9, -1, -2])
@pytest.mark.parametrize('kind', list(JPEG_KINDS))
def test_truncated_jpeg_is_refused_quietly(kind, keep, padded, capfd):
    """A JPEG cut anywhere in its scan data is named truncated, and nothing reaches stderr."""
    data = camera_jpeg(*JPEG_KINDS[kind])
    cut = data[:keep] if keep < 0 else data[:int(len(data) * keep)]
    if padded:  # a driver's fixed-size buffer
        cut += bytes(len(data) - len(cut))
    assert cut.index(b'\xff\xda') < len(cut) - 16  # the cut is after the first scan header
    with pytest.raises(ImageConversionError, match=re.escape(
            f'JPEG data of {len(cut)} bytes has no end-of-image marker (EOI) after its scan: '
            'the frame is truncated')):
        compressed_to_bgr(FakeCompressed('jpeg', cut))
    assert capfd.readouterr().err == ''


@pytest.mark.parametrize('extra', [0, 4])
def test_jpeg_cut_before_its_scan_is_refused(extra, capfd):
    """A JPEG cut before or inside its first scan header is refused."""
    data = CAMERA_JPEG[:CAMERA_JPEG.index(b'\xff\xda') + extra]
    with pytest.raises(ImageConversionError, match=re.escape(
            'JPEG data ends before its first scan (SOS marker): the data is truncated or '
            'corrupt') if extra == 0 else 'no end-of-image marker'):
        compressed_to_bgr(FakeCompressed('jpeg', data))
    assert capfd.readouterr().err == ''


@pytest.mark.parametrize('tail', [bytes(100), b'trailing text', CAMERA_JPEG],
                         ids=['zero padding', 'text', 'a second JPEG'])
def test_data_after_jpeg_eoi_is_ignored(tail, capfd):
    """Padding or anything else after the end-of-image marker decodes like the file alone."""
    out = compressed_to_bgr(FakeCompressed('jpeg', CAMERA_JPEG + tail))
    np.testing.assert_array_equal(
        out, cv2.imdecode(np.frombuffer(CAMERA_JPEG, np.uint8), cv2.IMREAD_COLOR))
    assert capfd.readouterr().err == ''


def test_damaged_complete_jpeg_still_decodes_with_a_libjpeg_warning(capfd):
    """
    Damage inside a complete (EOI-terminated) file is only found by decoding it.

    Here a frame was cut short and then terminated: libjpeg fills in the rest and prints one
    warning on stderr. This also shows that capfd sees libjpeg's output, which the tests
    asserting an empty stderr rely on.
    """
    damaged = CAMERA_JPEG[:len(CAMERA_JPEG) // 2] + b'\xff\xd9'
    assert compressed_to_bgr(FakeCompressed('jpeg', damaged)).shape == (240, 320, 3)
    assert 'Corrupt JPEG data: premature end of data segment' in capfd.readouterr().err


PNG_FORMS = [(0, 1), (0, 2), (0, 4), (0, 8), (0, 16), (2, 8), (2, 16), (3, 1), (3, 2), (3, 4),
             (3, 8), (4, 8), (4, 16), (6, 8), (6, 16)]  # every (colour type, bit depth)
PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
         (0, 1, 1, 2)]  # interlace passes: first column and row, column and row steps


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    """Return a PNG chunk: length, type, payload and CRC."""
    return (len(payload).to_bytes(4, 'big') + kind + payload
            + zlib.crc32(kind + payload).to_bytes(4, 'big'))


def png_rows(width: int, height: int, colour: int, depth: int, interlace: int) -> bytes:
    """Return the scanlines (filter type 0) of an image whose samples are all ones."""
    bits = PNG_CHANNELS[colour] * depth
    rows = b''
    for x0, y0, dx, dy in ADAM7 if interlace else [(0, 0, 1, 1)]:
        columns, lines = max(0, -((x0 - width) // dx)), max(0, -((y0 - height) // dy))
        if columns:  # a pass without columns has no rows either
            rows += (b'\0' + b'\xff' * ((columns * bits + 7) // 8)) * lines
    return rows


def make_png(width: int, height: int, colour: int = 2, depth: int = 8, interlace: int = 0, *,
             rows: Optional[bytes] = None, before_idat: bytes = b'', idat_chunks: int = 1,
             iend: bool = True) -> bytes:
    """
    Return a PNG built by hand; by default its samples are all ones.

    Indexed colour gets a palette whose last entry, the one all-ones samples pick, is
    RGB (30, 20, 10). rows replaces the scanlines, which may then disagree with the header.
    """
    if rows is None:
        rows = png_rows(width, height, colour, depth, interlace)
    header = (width.to_bytes(4, 'big') + height.to_bytes(4, 'big')
              + bytes([depth, colour, 0, 0, interlace]))
    palette = b''
    if colour == 3 and depth <= 8:
        palette = png_chunk(b'PLTE', bytes(3 * ((1 << depth) - 1)) + b'\x1e\x14\x0a')
    stream = zlib.compress(rows)
    part = -(-len(stream) // idat_chunks)
    idat = b''.join(png_chunk(b'IDAT', stream[i:i + part]) for i in range(0, len(stream), part))
    return (b'\x89PNG\r\n\x1a\n' + png_chunk(b'IHDR', header) + before_idat + palette + idat
            + (png_chunk(b'IEND', b'') if iend else b''))


@pytest.mark.parametrize('interlace', [0, 1], ids=['sequential', 'interlaced'])
@pytest.mark.parametrize('colour, depth', PNG_FORMS)
def test_every_png_header_form_decodes(colour, depth, interlace, capfd):
    """Every colour type and bit depth PNG defines, interlaced or not, decodes."""
    out = compressed_to_bgr(FakeCompressed('png', make_png(13, 11, colour, depth, interlace)))
    assert out.shape == (11, 13, 3)
    assert (out == np.array((10, 20, 30) if colour == 3 else (255, 255, 255), np.uint8)).all()
    assert capfd.readouterr().err == ''


@pytest.mark.parametrize('interlace', [0, 1], ids=['sequential', 'interlaced'])
@pytest.mark.parametrize('colour, depth', PNG_FORMS)
def test_every_png_header_form_is_bounded_by_its_data(colour, depth, interlace, no_decoding):
    """A small PNG of any form claiming 10000x10000 pixels is refused before decoding."""
    data = make_png(10000, 10000, colour, depth, interlace,
                    rows=png_rows(13, 11, colour, depth, interlace))
    with pytest.raises(ImageConversionError,
                       match=r'PNG claims 10000x10000 pixels but holds only \d+ bytes'):
        compressed_to_bgr(FakeCompressed('png', data))


@pytest.mark.parametrize('colour, depth', [(0, 0), (0, 3), (0, 32), (2, 1), (2, 4), (3, 16),
                                           (4, 1), (6, 4), (1, 8), (5, 8), (7, 8), (255, 8)])
def test_png_colour_type_and_bit_depth_must_be_valid(colour, depth, no_decoding):
    """A header whose colour type and bit depth PNG does not define is refused."""
    data = make_png(10000, 10000, colour, depth, rows=b'')
    with pytest.raises(ImageConversionError, match=re.escape(
            f'PNG header claims colour type {colour} with bit depth {depth}, which PNG does '
            'not define')):
        compressed_to_bgr(FakeCompressed('png', data))


@pytest.mark.parametrize('methods, message', [
    (b'\x01\x00\x00', 'compression method 1, filter method 0 and interlace method 0'),
    (b'\x00\x01\x00', 'compression method 0, filter method 1 and interlace method 0'),
    (b'\x00\x00\x02', 'compression method 0, filter method 0 and interlace method 2'),
])
def test_png_methods_must_be_valid(methods, message, no_decoding):
    """Compression, filter and interlace methods other than PNG's are refused."""
    data = bytearray(make_png(8, 8))
    data[26:29] = methods
    with pytest.raises(ImageConversionError, match=message):
        compressed_to_bgr(FakeCompressed('png', bytes(data)))


def test_png_image_data_may_be_split_into_many_idat_chunks(capfd):
    """The IDAT chunks' sizes add up, for the bound as for libpng."""
    data = make_png(40, 30, 0, 8, idat_chunks=5)
    assert data.count(b'IDAT') == 5
    out = compressed_to_bgr(FakeCompressed('png', data))
    assert out.shape == (30, 40, 3) and (out == 255).all()
    assert capfd.readouterr().err == ''


@pytest.mark.parametrize('data, message', [
    (make_png(64, 64, rows=b''), 'PNG claims 64x64 pixels but holds only 8 bytes'),
    (make_png(64, 64, iend=False)[:-1], r'chunk at byte \d+ claims \d+ bytes but only'),
    (make_png(64, 64)[:33], 'PNG claims 64x64 pixels but holds only 0 bytes'),
    # one 1-bit column: each row is a filter byte and a byte of samples, 200 KB in all
    (make_png(1, 100000, 0, 1, rows=b'')[:33] + png_chunk(b'IDAT', bytes(150))
     + png_chunk(b'IEND', b''), 'PNG claims 1x100000 pixels but holds only 150 bytes'),
    (make_png(64, 64).replace(b'\0\0\0\rIHDR', b'\0\0\0\x0cIHDR', 1), 'a 13-byte IHDR chunk'),
    (b'\x89PNG\r\n\x1a\n' + png_chunk(b'acTL', bytes(8)) + make_png(8, 8)[8:],
     'does not start with a 13-byte IHDR chunk'),
    (b'\x89PNG\r\n\x1a\n' + png_chunk(b'CgBI', b'\x50\x00\x20\x06') + make_png(8, 8)[8:],
     "PNG starts with Apple's CgBI chunk: this iOS-optimised variant is not a standard PNG"),
    (make_png(8, 8, before_idat=png_chunk(b'acTL', (2).to_bytes(4, 'big') + bytes(4))
              + png_chunk(b'fcTL', bytes(4) + (8).to_bytes(4, 'big') * 2 + bytes(14))),
     r'animated PNG \(acTL chunk\) is not supported: a camera frame is one still image'),
], ids=['no pixels', 'truncated chunk', 'no IDAT', 'filter bytes', 'IHDR length', 'acTL first',
        'CgBI first', 'animated'])
def test_png_structure_rejections(data, message, no_decoding):
    """Each PNG structure that could hide a huge image, or would fail in libpng, is refused."""
    with pytest.raises(ImageConversionError, match=message):
        compressed_to_bgr(FakeCompressed('png', data))


@pytest.mark.parametrize('cut', [1, 12, 13])
def test_png_without_iend_is_refused_quietly(cut, capfd):
    """A PNG cut inside its IDAT or IEND chunk, or between them, is refused quietly."""
    data = make_png(32, 24)[:-cut]
    message = ('PNG data ends without an IEND chunk: the data is truncated' if cut == 12
               else r'chunk at byte \d+ claims \d+ bytes but only')
    with pytest.raises(ImageConversionError, match=message):
        compressed_to_bgr(FakeCompressed('png', data))
    assert capfd.readouterr().err == ''


# --- max_pixels ----------------------------------------------------------------------------

def limit_message(what: str, width: int, height: int, limit: int) -> str:
    """Return the regular expression of the max_pixels error message."""
    return re.escape(f'{what} {width}x{height} = {width * height} pixels, more than the limit '
                     f'of {limit} pixels set by max_pixels (the body_node parameter '
                     'max_image_pixels)')


@pytest.mark.parametrize('fmt', ['jpeg', 'png'])
def test_max_pixels_compressed(fmt, monkeypatch):
    """compressed_to_bgr refuses images over max_pixels before decoding them."""
    bgr = smooth_bgr()  # 64x48
    msg = FakeCompressed(fmt, cv2.imencode('.jpg' if fmt == 'jpeg' else '.png', bgr)[1])
    assert compressed_to_bgr(msg, max_pixels=64 * 48).shape == (48, 64, 3)
    assert compressed_to_bgr(msg, max_pixels=np.int64(10 ** 9)).shape == (48, 64, 3)
    monkeypatch.setattr(cv2, 'imdecode', None)  # any decoding attempt would raise TypeError
    with pytest.raises(ImageConversionError,
                       match=limit_message('compressed image claims', 64, 48, 3071)):
        compressed_to_bgr(msg, max_pixels=3071)


@pytest.mark.parametrize('fmt', ['jpeg', 'png'])
def test_max_pixels_refuses_big_plausible_claims(fmt, no_decoding):
    """A 15000x10000 claim that passes every other check is refused by max_pixels."""
    if fmt == 'jpeg':  # enough bytes for the pixels-per-byte bound
        data = jpeg_frame(0xC0, 15000, 10000, bytes(300000))
    else:  # enough 1-bit image data for the deflate bound, whatever it holds
        data = (make_png(15000, 10000, 0, 1, rows=b'')[:33] + png_chunk(b'IDAT', bytes(20000))
                + png_chunk(b'IEND', b''))
    msg = FakeCompressed(fmt, data)
    with pytest.raises(ImageConversionError,
                       match=limit_message('compressed image claims', 15000, 10000, 2000000)):
        compressed_to_bgr(msg, max_pixels=2_000_000)


def test_max_pixels_raw_image():
    """image_to_bgr refuses images over max_pixels, before looking at their data."""
    msg = fake('rgb8')  # 3x2
    np.testing.assert_array_equal(image_to_bgr(msg, max_pixels=6), image_to_bgr(msg))
    with pytest.raises(ImageConversionError, match=limit_message('image is', 3, 2, 5)):
        image_to_bgr(msg, max_pixels=5)
    huge = FakeImage(100000, 100000, 'bgr8', 0, 300000, b'')
    with pytest.raises(ImageConversionError, match='exceeds the 536870912-byte limit'):
        image_to_bgr(huge)
    with pytest.raises(ImageConversionError,
                       match=limit_message('image is', 100000, 100000, 2000000)):
        image_to_bgr(huge, max_pixels=2_000_000)


def test_max_pixels_depth():
    """depth_to_metres applies max_pixels to messages and arrays."""
    millimetres = np.full((2, 3), 1500, np.uint16)
    msg = numpy_to_image(millimetres, '16UC1')
    assert depth_to_metres(msg, max_pixels=6).shape == (2, 3)
    assert depth_to_metres(millimetres, '16UC1', max_pixels=6).shape == (2, 3)
    with pytest.raises(ImageConversionError, match=limit_message('image is', 3, 2, 5)):
        depth_to_metres(msg, max_pixels=5)
    with pytest.raises(ImageConversionError, match=limit_message('depth image is', 3, 2, 5)):
        depth_to_metres(millimetres, '16UC1', max_pixels=5)


@pytest.mark.parametrize('limit, error', [(0, ValueError), (-1, ValueError), (2.5, TypeError),
                                          ('100', TypeError), (True, TypeError)])
@pytest.mark.parametrize('decoder', ['compressed_to_bgr', 'image_to_bgr', 'depth_to_metres'])
def test_bad_max_pixels_is_the_callers_error(decoder, limit, error):
    """A bad limit raises TypeError/ValueError, not ImageConversionError (not a bad frame)."""
    msg = {'compressed_to_bgr': FakeCompressed('png', VALID_PNG), 'image_to_bgr': fake('rgb8'),
           'depth_to_metres': fake('16UC1')}[decoder]
    with pytest.raises(error, match='max_pixels must be a positive integer or None') as info:
        getattr(image_codec, decoder)(msg, max_pixels=limit)
    assert not isinstance(info.value, ImageConversionError)


# --- purity --------------------------------------------------------------------------------

def test_module_does_not_import_rclpy():
    """Importing the module pulls in neither rclpy nor sensor_msgs."""
    code = ('import sys; import pose_ros.image_codec; '
            "sys.exit(1 if 'rclpy' in sys.modules or 'sensor_msgs' in sys.modules else 0)")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get('PYTHONPATH', ''))
    assert subprocess.run([sys.executable, '-c', code], env=env).returncode == 0
