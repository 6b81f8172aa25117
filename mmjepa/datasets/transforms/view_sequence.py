# Copyright (c) mmjepa contributors. All rights reserved.
"""View sequences with actions for seq-JEPA (https://arxiv.org/abs/2505.03176): ``M + 1`` views of one object
or image and the relative transformation of each step.

Both transforms set ``img`` to the list of ``M + 1`` views (``PackInputs`` makes it a list of tensors, the data
preprocessor a list of ``[B, C, H, W]`` batches) and ``actions`` to ``[M, A]`` float32, action ``i`` leading
from view ``i`` to view ``i + 1`` (pack it with ``PackInputs(algorithm_keys=['actions'])``). Randomness comes
from numpy's global generator, so :class:`~mmjepa.datasets.SeededDataset` makes them deterministic per sample.
"""
import os.path as osp
from typing import Optional, Sequence, Tuple, Union

import mmengine.fileio as fileio
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.registry import TRANSFORMS
from PIL import Image, ImageEnhance, ImageOps
from scipy.spatial.transform import Rotation

from .loading import decode_strict

ROTATION_ACTIONS = ('rot', 'rotcolor')


def relative_quaternions(euler_xyz: np.ndarray, canonical: bool = False) -> np.ndarray:
    """``[V, 3]`` extrinsic 'xyz' Euler angles -> ``[V - 1, 4]`` quaternions (x, y, z, w) of ``R_i^-1 R_{i+1}``,
    the rotation from view ``i`` to view ``i + 1`` as seq-JEPA's official 3DIEBench loader computes it
    (``rot_1.inv() * rot_2``, scipy's ``as_quat()``: its sign is whatever the composition gives, so ``q`` and
    ``-q`` both occur, as the official training actions). ``canonical=True`` picks the sign with ``w >= 0``
    (one quaternion per rotation, for a regression target)."""
    rotations = Rotation.from_euler('xyz', euler_xyz)
    return (rotations[:-1].inv() * rotations[1:]).as_quat(canonical=canonical).astype(np.float32)


def rendered_view_actions(latents: np.ndarray, action: str = 'rot') -> np.ndarray:
    """The actions between consecutive views of 3DIEBench latents ``[V, 7]``, as the official loader gives
    them: ``'rot'`` the relative quaternions ``[V - 1, 4]`` (scipy's raw sign); ``'rotcolor'`` also the change
    of latents 3 and 6 (floor and light hue), ``[V - 1, 6]``."""
    actions = relative_quaternions(latents[:, :3])
    if action == 'rotcolor':
        actions = np.concatenate([actions, np.diff(latents[:, [3, 6]], axis=0)], axis=1)
    return actions.astype(np.float32)


def resize_pil(img: np.ndarray, size: int) -> np.ndarray:
    """Resize an HxWx3 uint8 array to ``size`` x ``size`` with PIL's bilinear filter (antialiased when
    shrinking), as torchvision's ``Resize`` on the PIL images of the official loader."""
    return np.asarray(Image.fromarray(np.ascontiguousarray(img)).resize((size, size), Image.BILINEAR))


@TRANSFORMS.register_module()
class LoadRenderedViews(BaseTransform):
    """Load ``num_views`` distinct random views of one rendered object in the 3DIEBench layout
    (``<object_dir>/image_<k>.jpg`` and ``latent_<k>.npy``, see :class:`RenderedObjectsDataset`) and the
    relative rotation of each step.

    Required keys: ``object_dir``, ``num_object_views``. Added keys: ``img`` (list of HxWx3 uint8 BGR),
    ``actions`` ([num_views - 1, 4] quaternions, or [.., 6] with the colour change for ``'rotcolor'``),
    ``latents`` ([num_views, 7]), ``view_ids``, ``img_shape``, ``ori_shape``.

    Args:
        num_views (int): Views per sequence, ``M + 1`` (seq-JEPA: sequence length 3, so 4). Defaults to 4.
        action (str): ``'rot'`` (relative quaternion) or ``'rotcolor'`` (+ the change of latents 3 and 6, the
            floor and light hues, as the official ``rotcolor`` latent). Defaults to ``'rot'``.
        img_size (int, optional): Resize every view to this square size (PIL bilinear, as torchvision's
            ``Resize``; 3DIEBench: 256 -> 128).
    """

    def __init__(self, num_views: int = 4, action: str = 'rot', img_size: Optional[int] = None,
                 backend_args: Optional[dict] = None):
        if num_views < 2:
            raise ValueError(f'LoadRenderedViews: num_views must be >= 2 (M observed + 1 predicted), got {num_views}')
        if action not in ROTATION_ACTIONS:
            raise ValueError(f'LoadRenderedViews: action={action!r} must be one of {ROTATION_ACTIONS}')
        self.num_views, self.action, self.img_size = num_views, action, img_size
        self.backend_args = backend_args

    def transform(self, results: dict) -> dict:
        folder, available = results['object_dir'], int(results['num_object_views'])
        if available < self.num_views:
            raise ValueError(f'{folder} has {available} views (num_views_per_object), fewer than num_views='
                             f'{self.num_views}')
        view_ids = np.random.choice(available, self.num_views, replace=False)
        views, latents = [], []
        for k in view_ids:
            path = osp.join(folder, f'image_{k}.jpg')
            img = decode_strict(fileio.get(path, backend_args=self.backend_args))
            if self.img_size is not None and img.shape[:2] != (self.img_size, self.img_size):
                img = resize_pil(img, self.img_size)
            views.append(img)
            latents.append(np.load(osp.join(folder, f'latent_{k}.npy')).astype(np.float32))
        latents = np.stack(latents)
        results.update(img=views, actions=rendered_view_actions(latents, self.action), latents=latents,
                       view_ids=view_ids,
                       img_shape=views[0].shape[:2], ori_shape=views[0].shape[:2])
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(num_views={self.num_views}, action={self.action!r}, img_size={self.img_size})'


def _pair(value: Union[float, Sequence[float]]) -> Tuple[float, float]:
    """(observed views, predicted view) of a per-view probability."""
    return (float(value), float(value)) if np.isscalar(value) else (float(value[0]), float(value[1]))


def adjust_hue_pil(img: Image.Image, hue_factor: float) -> Image.Image:
    """torchvision's ``adjust_hue`` on an RGB PIL image: the HSV hue channel shifted by ``hue_factor * 255``
    truncated to an integer and wrapped modulo 256 (a negative factor wraps too; mmcv's ``adjust_hue`` raises
    ``OverflowError`` on it under numpy 2)."""
    h, s, v = img.convert('HSV').split()
    shifted = (np.asarray(h, dtype=np.uint8) + np.int32(hue_factor * 255).astype(np.uint8)).astype(np.uint8)
    return Image.merge('HSV', (Image.fromarray(shifted, 'L'), s, v)).convert(img.mode)


def gaussian_blur_pil(img: Image.Image, kernel_size: int, sigma: float) -> Image.Image:
    """torchvision's ``gaussian_blur`` on a PIL image: a float32 ``kernel_size`` x ``kernel_size`` Gaussian,
    reflect padding, rounded back to uint8."""
    half = (kernel_size - 1) * 0.5
    pdf = torch.exp(-0.5 * (torch.linspace(-half, half, kernel_size, dtype=torch.float32) / sigma).pow(2))
    kernel1d = pdf / pdf.sum()
    kernel = torch.mm(kernel1d[:, None], kernel1d[None, :]).expand(3, 1, kernel_size, kernel_size)
    x = torch.from_numpy(np.asarray(img, dtype=np.uint8).copy()).permute(2, 0, 1)[None].float()
    x = torch.nn.functional.pad(x, [kernel_size // 2] * 4, mode='reflect')
    out = torch.round(torch.nn.functional.conv2d(x, kernel, groups=3))[0].permute(1, 2, 0)
    return Image.fromarray(out.to(torch.uint8).numpy(), 'RGB')


_PIL_INTERPOLATION = dict(nearest=Image.NEAREST, bilinear=Image.BILINEAR, bicubic=Image.BICUBIC)


@TRANSFORMS.register_module()
class ParamAugmentedViews(BaseTransform):
    """``num_views`` parameterised augmentations of one image and the change of their parameters per step: the
    augmentation actions of seq-JEPA's CIFAR-100 / Tiny-ImageNet experiments (official ``ParamCompose``).

    Each view draws, in order: a random resized crop (scale, ratio as torchvision's) and a horizontal flip;
    colour jitter with probability ``jitter_prob`` (brightness, contrast, saturation, hue factors, applied in a
    random order) and grey scale with ``gray_prob``; a Gaussian blur with ``blur_prob``; solarisation with
    ``solarize_prob``. The operations are torchvision's on RGB PIL images (PIL's resize, ``ImageEnhance`` and
    HSV hue shift, torchvision's float32 blur), as the official pipeline runs them. Its parameters are the 9
    numbers the official code conditions on: the crop box ``(top, left, height, width)`` in pixels, the four
    jitter factors (1, 1, 1, 0 when not jittered) and the blur sigma (0 when not blurred). With
    ``normalize_params`` (the official training loop) each of the 9 parameters is L2-normalised across the
    ``num_views`` views of the sample before differencing; action ``i`` is ``params[i + 1] - params[i]``.
    ``blur_prob`` and ``solarize_prob`` may be ``(observed, predicted)`` pairs: the official recipe blurs every
    observed view and rarely the predicted one, and solarises only the predicted one.

    Required keys: ``img`` (HxWx3 uint8 in ``channel_order``). Modified keys: ``img`` (the list of views, BGR
    uint8 as mmcv's loaders give them: keep ``to_rgb=True`` in the data preprocessor), ``img_shape``. Added
    keys: ``actions`` ([num_views - 1, 9]), ``view_params`` ([num_views, 9], raw).

    Args:
        channel_order (str): Channel order of the input ``img``: ``'bgr'`` (mmcv's image loaders) or
            ``'rgb'`` (mmpretrain's ``CIFAR10`` / ``CIFAR100`` arrays). Defaults to ``'bgr'``.
        normalize_params (bool): L2-normalise each parameter across the views before differencing (the
            official ``train_one_epoch_aug``). Defaults to True.
    """
    NUM_PARAMS = 9
    CHANNEL_ORDERS = ('bgr', 'rgb')

    def __init__(self,
                 num_views: int = 4,
                 size: int = 32,
                 crop_scale: Tuple[float, float] = (0.2, 1.0),
                 crop_ratio: Tuple[float, float] = (3. / 4., 4. / 3.),
                 flip_prob: float = 0.5,
                 jitter_prob: float = 0.8,
                 brightness: float = 0.4,
                 contrast: float = 0.4,
                 saturation: float = 0.2,
                 hue: float = 0.1,
                 gray_prob: float = 0.2,
                 blur_prob: Union[float, Sequence[float]] = (1.0, 0.1),
                 blur_sigma: Tuple[float, float] = (0.1, 2.0),
                 solarize_prob: Union[float, Sequence[float]] = (0.0, 0.2),
                 interpolation: str = 'bicubic',
                 channel_order: str = 'bgr',
                 normalize_params: bool = True):
        if num_views < 2:
            raise ValueError(f'ParamAugmentedViews: num_views must be >= 2, got {num_views}')
        if channel_order not in self.CHANNEL_ORDERS:
            raise ValueError(f'ParamAugmentedViews: channel_order={channel_order!r} must be one of '
                             f'{self.CHANNEL_ORDERS} (the channel order of the input img)')
        if interpolation not in _PIL_INTERPOLATION:
            raise ValueError(f'ParamAugmentedViews: interpolation={interpolation!r} must be one of '
                             f'{tuple(_PIL_INTERPOLATION)}')
        if not 0 <= hue <= 0.5:
            raise ValueError(f'ParamAugmentedViews: hue={hue} must be in [0, 0.5] (factors are drawn in [-hue, hue])')
        self.num_views, self.size = num_views, size
        self.crop_scale, self.crop_ratio, self.flip_prob = crop_scale, crop_ratio, flip_prob
        self.jitter_prob, self.gray_prob = jitter_prob, gray_prob
        self.brightness, self.contrast, self.saturation, self.hue = brightness, contrast, saturation, hue
        self.blur_prob, self.solarize_prob = _pair(blur_prob), _pair(solarize_prob)
        self.blur_sigma, self.interpolation = blur_sigma, interpolation
        self.channel_order, self.normalize_params = channel_order, normalize_params
        # the official kernel size: 2 * round((size - 10) / 20) + 1 (3 px at 32, 7 px at 64)
        self.blur_kernel = 2 * round((size - 10) / 20) + 1

    def crop_box(self, height: int, width: int) -> Tuple[int, int, int, int]:
        """``(top, left, h, w)`` as torchvision's ``RandomResizedCrop.get_params``."""
        area = height * width
        log_ratio = np.log(self.crop_ratio)
        for _ in range(10):
            target = area * np.random.uniform(*self.crop_scale)
            ratio = np.exp(np.random.uniform(*log_ratio))
            w, h = int(round(np.sqrt(target * ratio))), int(round(np.sqrt(target / ratio)))
            if 0 < w <= width and 0 < h <= height:
                return int(np.random.randint(0, height - h + 1)), int(np.random.randint(0, width - w + 1)), h, w
        in_ratio = width / height
        if in_ratio < min(self.crop_ratio):
            w, h = width, int(round(width / min(self.crop_ratio)))
        elif in_ratio > max(self.crop_ratio):
            h, w = height, int(round(height * max(self.crop_ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def view(self, img: Image.Image, predicted: bool) -> Tuple[np.ndarray, np.ndarray]:
        """One augmented view of the RGB PIL ``img`` (returned as a BGR array) and its 9 parameters."""
        width, height = img.size
        top, left, h, w = self.crop_box(height, width)
        out = img.crop((left, top, left + w, top + h)).resize((self.size, self.size),
                                                              _PIL_INTERPOLATION[self.interpolation])
        if np.random.rand() < self.flip_prob:
            out = out.transpose(Image.FLIP_LEFT_RIGHT)
        factors = [1., 1., 1., 0.]
        if np.random.rand() < self.jitter_prob:
            order = np.random.permutation(4)
            factors = [np.random.uniform(max(0., 1 - self.brightness), 1 + self.brightness),
                       np.random.uniform(max(0., 1 - self.contrast), 1 + self.contrast),
                       np.random.uniform(max(0., 1 - self.saturation), 1 + self.saturation),
                       np.random.uniform(-self.hue, self.hue)]
            ops = (lambda x, f: ImageEnhance.Brightness(x).enhance(f), lambda x, f: ImageEnhance.Contrast(x).enhance(f),
                   lambda x, f: ImageEnhance.Color(x).enhance(f), adjust_hue_pil)
            for index in order:
                out = ops[index](out, factors[index])
        if np.random.rand() < self.gray_prob:
            out = out.convert('L').convert('RGB')
        sigma = 0.
        if np.random.rand() < self.blur_prob[int(predicted)]:
            sigma = float(np.random.uniform(*self.blur_sigma))
            out = gaussian_blur_pil(out, self.blur_kernel, sigma)
        if np.random.rand() < self.solarize_prob[int(predicted)]:
            out = ImageOps.solarize(out, 128)
        params = np.array([top, left, h, w, *factors, sigma], np.float32)
        return np.ascontiguousarray(np.asarray(out)[..., ::-1]), params

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
            raise ValueError(f'ParamAugmentedViews takes HxWx3 uint8 images, got {img.shape} {img.dtype}')
        pil = Image.fromarray(np.ascontiguousarray(img[..., ::-1] if self.channel_order == 'bgr' else img), 'RGB')
        views, params = zip(*(self.view(pil, predicted=i == self.num_views - 1) for i in range(self.num_views)))
        params = np.stack(params)
        conditioned = params
        if self.normalize_params:  # torch.nn.functional.normalize(p=2, dim=views), eps 1e-12
            conditioned = params / np.maximum(np.linalg.norm(params, axis=0, keepdims=True), 1e-12)
        results.update(img=list(views), view_params=params, actions=np.diff(conditioned, axis=0).astype(np.float32),
                       img_shape=(self.size, self.size))
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_views={self.num_views}, size={self.size}, '
                f'channel_order={self.channel_order!r}, normalize_params={self.normalize_params})')
