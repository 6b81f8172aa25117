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

import cv2
import mmcv
import mmengine.fileio as fileio
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.registry import TRANSFORMS
from scipy.spatial.transform import Rotation

from .loading import decode_strict

ROTATION_ACTIONS = ('rot', 'rotcolor')


def relative_quaternions(euler_xyz: np.ndarray) -> np.ndarray:
    """``[V, 3]`` extrinsic 'xyz' Euler angles -> ``[V - 1, 4]`` quaternions (x, y, z, w; w >= 0) of
    ``R_i^-1 R_{i+1}``, the rotation from view ``i`` to view ``i + 1`` as seq-JEPA's official 3DIEBench loader
    computes it (``rot_1.inv() * rot_2``)."""
    rotations = Rotation.from_euler('xyz', euler_xyz)
    return (rotations[:-1].inv() * rotations[1:]).as_quat(canonical=True).astype(np.float32)


def rendered_view_actions(latents: np.ndarray, action: str = 'rot') -> np.ndarray:
    """The actions between consecutive views of 3DIEBench latents ``[V, 7]``: ``'rot'`` the relative quaternions
    ``[V - 1, 4]``; ``'rotcolor'`` also the change of latents 3 and 6 (floor and light hue), ``[V - 1, 6]``."""
    actions = relative_quaternions(latents[:, :3])
    if action == 'rotcolor':
        actions = np.concatenate([actions, np.diff(latents[:, [3, 6]], axis=0)], axis=1)
    return actions.astype(np.float32)


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
        img_size (int, optional): Resize every view to this square size (bilinear; 3DIEBench: 256 -> 128).
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
                img = mmcv.imresize(img, (self.img_size, self.img_size), interpolation='bilinear')
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


@TRANSFORMS.register_module()
class ParamAugmentedViews(BaseTransform):
    """``num_views`` parameterised augmentations of one image and the change of their parameters per step: the
    augmentation actions of seq-JEPA's CIFAR-100 / Tiny-ImageNet experiments (official ``ParamCompose``).

    Each view draws, in order: a random resized crop (scale, ratio as torchvision's) and a horizontal flip;
    colour jitter with probability ``jitter_prob`` (brightness, contrast, saturation, hue factors, applied in a
    random order) and grey scale with ``gray_prob``; a Gaussian blur with ``blur_prob``; solarisation with
    ``solarize_prob``. Its parameters are the 9 numbers the official code conditions on: the crop box
    ``(top, left, height, width)`` as fractions of the image side, the four jitter factors (1, 1, 1, 0 when
    not jittered) and the blur sigma (0 when not blurred). Action ``i`` is ``params[i + 1] - params[i]``.
    ``blur_prob`` and ``solarize_prob`` may be ``(observed, predicted)`` pairs: the official recipe blurs every
    observed view and rarely the predicted one, and solarises only the predicted one.

    Required keys: ``img`` (HxWx3 uint8 BGR). Modified keys: ``img`` (the list of views), ``img_shape``.
    Added keys: ``actions`` ([num_views - 1, 9]), ``view_params`` ([num_views, 9]).
    """
    NUM_PARAMS = 9

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
                 interpolation: str = 'bicubic'):
        if num_views < 2:
            raise ValueError(f'ParamAugmentedViews: num_views must be >= 2, got {num_views}')
        self.num_views, self.size = num_views, size
        self.crop_scale, self.crop_ratio, self.flip_prob = crop_scale, crop_ratio, flip_prob
        self.jitter_prob, self.gray_prob = jitter_prob, gray_prob
        self.brightness, self.contrast, self.saturation, self.hue = brightness, contrast, saturation, hue
        self.blur_prob, self.solarize_prob = _pair(blur_prob), _pair(solarize_prob)
        self.blur_sigma, self.interpolation = blur_sigma, interpolation
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

    def view(self, img: np.ndarray, predicted: bool) -> Tuple[np.ndarray, np.ndarray]:
        height, width = img.shape[:2]
        top, left, h, w = self.crop_box(height, width)
        out = mmcv.imresize(img[top:top + h, left:left + w], (self.size, self.size), interpolation=self.interpolation)
        if np.random.rand() < self.flip_prob:
            out = mmcv.imflip(out)
        factors = [1., 1., 1., 0.]
        if np.random.rand() < self.jitter_prob:
            order = np.random.permutation(4)
            factors = [np.random.uniform(max(0., 1 - self.brightness), 1 + self.brightness),
                       np.random.uniform(max(0., 1 - self.contrast), 1 + self.contrast),
                       np.random.uniform(max(0., 1 - self.saturation), 1 + self.saturation),
                       np.random.uniform(-self.hue, self.hue)]
            ops = (mmcv.adjust_brightness, mmcv.adjust_contrast, mmcv.adjust_color, mmcv.adjust_hue)
            for index in order:
                out = ops[index](out, factors[index])
        if np.random.rand() < self.gray_prob:
            out = mmcv.gray2bgr(mmcv.bgr2gray(out))
        sigma = 0.
        if np.random.rand() < self.blur_prob[int(predicted)]:
            sigma = float(np.random.uniform(*self.blur_sigma))
            out = cv2.GaussianBlur(out, (self.blur_kernel, self.blur_kernel), sigma)
        if np.random.rand() < self.solarize_prob[int(predicted)]:
            out = mmcv.solarize(out, thr=128)
        params = np.array([top / height, left / width, h / height, w / width, *factors, sigma], np.float32)
        return np.ascontiguousarray(out), params

    def transform(self, results: dict) -> dict:
        img = results['img']
        views, params = zip(*(self.view(img, predicted=i == self.num_views - 1) for i in range(self.num_views)))
        params = np.stack(params)
        results.update(img=list(views), view_params=params, actions=np.diff(params, axis=0),
                       img_shape=(self.size, self.size))
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(num_views={self.num_views}, size={self.size})'
