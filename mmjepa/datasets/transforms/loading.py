# Copyright (c) mmjepa contributors. All rights reserved.
"""Image loading that refuses damaged files instead of feeding them to the model.

mmcv's ``LoadImageFromFile`` decodes with OpenCV by default, and depending on the OpenCV build a truncated
JPEG comes back half grey or as ``None`` (then a bare ``AssertionError``); grayscale, palette, alpha and
16-bit files are converted inconsistently. :class:`StrictLoadImageFromFile` decodes with Pillow, checks the
whole file, converts every mode to 8-bit 3-channel colour (or, with ``color_type='grayscale'``, to 8-bit
single-channel: SAR chips) and names the file in every error.
"""
import io
import logging
from typing import Optional

import cv2
import mmcv
import mmengine.fileio as fileio
import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmengine.logging import print_log
from mmengine.registry import TRANSFORMS
from PIL import Image, ImageFile, ImageOps

# Colour (RGB) behind transparent pixels: mmcv's canvas for 'LA' images, about the ImageNet mean, so that
# transparent areas normalise to about zero.
ALPHA_CANVAS = (124, 117, 104)
ON_ERROR = ('raise', 'skip')
COLOR_TYPES = ('color', 'color_ignore_orientation', 'grayscale')


class BadImageError(ValueError):
    """An image file exists but cannot be decoded completely (truncated, corrupted, not an image)."""

    def __init__(self, message: str, filename: Optional[str] = None, reason: Optional[str] = None):
        super().__init__(message)  # one positional argument: re-raising in the DataLoader's main process works
        self.filename, self.reason = filename, reason


def _error_reason(exc: BaseException) -> str:
    """A short description of a Pillow decoding error."""
    if isinstance(exc, Image.UnidentifiedImageError):
        return 'cannot decode: not an image in a format Pillow can read'
    detail = f'{type(exc).__name__}: {exc}'.rstrip(': ')
    if isinstance(exc, EOFError) or any(word in str(exc).lower() for word in ('truncated', 'incomplete')):
        return f'truncated: the file ends before its image data does ({detail})'
    return f'cannot decode: corrupted image data ({detail})'


def pil_to_rgb(img: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit ``'RGB'``.

    16-bit grayscale (``'I;16*'``, and ``'I'``, read as 16-bit) is scaled to 8 bit (``v / 257``, rounded), not
    clipped at 255 as Pillow's ``convert`` does. Alpha ('RGBA', 'LA', 'PA', a palette or colour with a
    ``transparency`` entry) is composited onto :data:`ALPHA_CANVAS`: a pixel shows as it would on a mean-grey
    background, whatever colour is stored under a transparent pixel. Other modes ('L', 'P', 'CMYK', '1',
    'YCbCr', ...) use Pillow's ``convert('RGB')``. 16-bit-per-channel colour PNGs are read by Pillow as 8-bit.
    """
    if img.mode.startswith('I'):
        scaled = (np.clip(np.asarray(img, dtype=np.int64), 0, 65535) * 2 + 257) // 514  # round(v / 257)
        img = Image.fromarray(scaled.astype(np.uint8))
    if img.mode in ('RGBA', 'LA', 'PA', 'RGBa', 'La') or 'transparency' in img.info:
        rgba = img.convert('RGBA')
        img = Image.new('RGB', rgba.size, ALPHA_CANVAS)
        img.paste(rgba, mask=rgba.getchannel('A'))
    return img if img.mode == 'RGB' else img.convert('RGB')


def decode_strict(content: bytes, exif_orientation: bool = True) -> np.ndarray:
    """Decode image bytes with Pillow to a BGR uint8 HxWx3 array. Raises on truncated or corrupted data.

    ``verify()`` checks a PNG's chunk checksums and its end (``load()`` alone accepts a PNG cut after its
    pixel data); ``load()`` decodes every pixel and raises on a truncated JPEG or PNG as long as
    ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES`` is False (Pillow's default).
    """
    with Image.open(io.BytesIO(content)) as img:
        img.verify()
    with Image.open(io.BytesIO(content)) as img:
        img.load()
        if exif_orientation:
            img = ImageOps.exif_transpose(img)
        rgb = np.asarray(pil_to_rgb(img))
    return np.ascontiguousarray(rgb[:, :, ::-1])


@TRANSFORMS.register_module()
class StrictLoadImageFromFile(LoadImageFromFile):
    """Load an image as BGR uint8 HxWx3 (as mmcv's default), refusing missing, truncated or corrupted files.

    Required keys: ``img_path``. Modified keys: ``img``, ``img_shape``, ``ori_shape``. Registered in
    mmengine's root registry, so usable from the mmpretrain, mmseg and mmdet scopes.

    Args:
        on_error (str): ``'raise'`` (default): a listed file that does not exist raises ``FileNotFoundError``,
            one that cannot be decoded completely raises :class:`BadImageError`; both name the file.
            ``'skip'``: return None instead, after a warning naming the file, the reason and
            :attr:`num_skipped`. For training only: mmengine's ``BaseDataset`` then loads another random
            index (at most ``max_refetch`` times), but in test mode it raises on None.
        imdecode_backend (str): ``'pillow'`` (default): the whole file is checked and every image mode is
            converted to colour (see :func:`pil_to_rgb`: alpha goes onto a mean-grey canvas, 16-bit is
            scaled). Other mmcv backends ('cv2', 'turbojpeg', 'tifffile') only get their ``None`` results and
            non-HxWx3-uint8 outputs turned into :class:`BadImageError`; they may accept truncated files.
        color_type (str): ``'color'`` (EXIF orientation applied), ``'color_ignore_orientation'`` or
            ``'grayscale'`` (HxW uint8 with the pillow backend: an 8-bit gray file, e.g. a SAR chip, comes back
            exactly as from mmcv's ``LoadImageFromFile(color_type='grayscale')``; colour files get OpenCV's
            luma weights, within one level of mmcv's libpng conversion).
        to_float32, file_client_args, backend_args: As :class:`mmcv.transforms.LoadImageFromFile`.
        ignore_empty (bool): Not supported (it silently dropped every failing file); use ``on_error='skip'``.

    A results dict that already holds an ``img`` array and no ``img_path`` (mmpretrain's inferencers load
    images themselves and only remove a step named ``LoadImageFromFile``) is passed through unchanged.
    """

    #: Images skipped (``on_error='skip'``) by this process, over all instances. Each DataLoader worker is a
    #: process of its own and counts its own skips (forked workers start from the parent's count).
    num_skipped = 0

    def __init__(self, to_float32: bool = False, color_type: str = 'color', imdecode_backend: str = 'pillow',
                 file_client_args: Optional[dict] = None, ignore_empty: bool = False, *,
                 on_error: str = 'raise', backend_args: Optional[dict] = None) -> None:
        if on_error not in ON_ERROR:
            raise ValueError(f"StrictLoadImageFromFile: on_error must be one of {ON_ERROR}, got {on_error!r}")
        if ignore_empty:
            raise ValueError("StrictLoadImageFromFile does not support ignore_empty=True (it hides bad files "
                             "silently); use on_error='skip', which logs and counts each skipped file")
        if color_type not in COLOR_TYPES:
            raise ValueError(f'StrictLoadImageFromFile: color_type must be one of {COLOR_TYPES} (it always '
                             f"outputs HxWx3 colour or HxW gray), got {color_type!r}")
        if color_type == 'grayscale' and imdecode_backend != 'pillow':
            raise ValueError("StrictLoadImageFromFile: color_type='grayscale' needs imdecode_backend='pillow'")
        if imdecode_backend not in mmcv.image.io.supported_backends:
            raise ValueError(f'StrictLoadImageFromFile: imdecode_backend must be one of '
                             f'{mmcv.image.io.supported_backends}, got {imdecode_backend!r}')
        super().__init__(to_float32=to_float32, color_type=color_type, imdecode_backend=imdecode_backend,
                         file_client_args=file_client_args, ignore_empty=False, backend_args=backend_args)
        self.on_error = on_error
        if imdecode_backend == 'pillow' and ImageFile.LOAD_TRUNCATED_IMAGES:
            print_log('PIL.ImageFile.LOAD_TRUNCATED_IMAGES is True in this process (set by some library or '
                      'script): Pillow pads truncated JPEG/PNG files and StrictLoadImageFromFile cannot detect '
                      'them', logger='current', level=logging.WARNING)

    def _read(self, filename: str) -> bytes:
        try:
            if self.file_client_args is not None:
                return fileio.FileClient.infer_client(self.file_client_args, filename).get(filename)
            return fileio.get(filename, backend_args=self.backend_args)
        except FileNotFoundError as exc:
            raise FileNotFoundError(
                f'Image file {filename!r} is listed in the dataset but does not exist; check data_root, '
                "data_prefix and the annotation file, or set on_error='skip' on StrictLoadImageFromFile to "
                'skip missing files in training') from exc

    def _decode(self, content: bytes, filename: str) -> np.ndarray:
        def bad(reason: str) -> BadImageError:
            return BadImageError(
                f'Bad image file {filename!r}: {reason}. Replace or remove it (it is listed in the dataset), or '
                "set on_error='skip' on StrictLoadImageFromFile to skip bad images in training",
                filename=filename, reason=reason)

        if not content:
            raise bad('empty file (0 bytes)')
        if self.imdecode_backend == 'pillow':
            try:
                img = decode_strict(content, exif_orientation=self.color_type != 'color_ignore_orientation')
                return cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if self.color_type == 'grayscale' else img
            except MemoryError:
                raise
            except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, struct.error...
                raise bad(_error_reason(exc)) from exc
        try:
            img = mmcv.imfrombytes(content, flag=self.color_type, backend=self.imdecode_backend)
        except Exception as exc:
            raise bad(f'cannot decode with {self.imdecode_backend} ({type(exc).__name__}: {exc})') from exc
        if img is None:
            raise bad(f'cannot decode: {self.imdecode_backend} returned no image (corrupted, truncated or not '
                      'an image)')
        if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
            raise bad(f"cannot decode: {self.imdecode_backend} gave a {img.dtype} array of shape {img.shape}, "
                      "not HxWx3 uint8; use imdecode_backend='pillow'")
        return img

    def transform(self, results: dict) -> Optional[dict]:
        """Load ``results['img_path']``; None (``on_error='skip'``) when the file is missing or bad."""
        if 'img_path' not in results and isinstance(results.get('img'), np.ndarray):
            return results
        filename = results['img_path']
        try:
            img = self._decode(self._read(filename), filename)
        except (FileNotFoundError, BadImageError) as exc:
            if self.on_error == 'raise':
                raise
            StrictLoadImageFromFile.num_skipped += 1
            reason = exc.reason if isinstance(exc, BadImageError) else 'file not found'
            print_log(f'StrictLoadImageFromFile: skipped {filename!r} ({reason}); '
                      f'{StrictLoadImageFromFile.num_skipped} image(s) skipped by this process so far',
                      logger='current', level=logging.WARNING)
            return None
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        io_args = (f'file_client_args={self.file_client_args}' if self.file_client_args is not None
                   else f'backend_args={self.backend_args}')
        return (f"{type(self).__name__}(on_error='{self.on_error}', to_float32={self.to_float32}, "
                f"color_type='{self.color_type}', imdecode_backend='{self.imdecode_backend}', {io_args})")
