# Copyright (c) mmjepa contributors. All rights reserved.
"""Bad input: damaged images, files of the wrong format, and pickles that carry code.

Images: :class:`StrictLoadImageFromFile` decodes every colour mode to BGR uint8 HxWx3 and names the file when
it is missing, truncated or not an image (``on_error='skip'`` skips and counts instead). Checkpoints: the
converters and mmjepa's strict ``Pretrained`` transfer say what they expected, and a pickle that runs code is
refused by them and by mmengine's ``load_from`` (``weights_only=True``) without running it.
"""
import importlib.util
import io
import os
import os.path as osp
import pickle
import shlex
import shutil

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.model import BaseModel
from PIL import Image

import mmjepa  # noqa: F401  (registers transforms, models and the checkpoint allow-list)
from mmjepa.converters import convert_ijepa_checkpoint
from mmjepa.datasets.transforms import BadImageError, StrictLoadImageFromFile, loading
from mmjepa.models import JEPAViT
from mmjepa.utils import CheckpointFormatError, TransferError, UnsafeCheckpointError

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CANVAS_BGR = tuple(reversed(loading.ALPHA_CANVAS))
RED_BGR = (0, 0, 255)
H, W = 12, 20


def load(path, **kwargs):
    return StrictLoadImageFromFile(**kwargs)(dict(img_path=str(path)))


def write(path, img: Image.Image, fmt: str, **kwargs) -> str:
    img.save(path, fmt, **kwargs)
    return str(path)


def red_image() -> Image.Image:
    arr = np.zeros((H, W, 3), np.uint8)
    arr[..., 0] = 255  # RGB red
    arr[:, W // 2:] = (0, 255, 0)  # right half green
    return Image.fromarray(arr, 'RGB')


# ----------------------------------------------------------------------------------------------------- images
def test_registered_for_every_scope():
    from mmdet.registry import TRANSFORMS as DET
    from mmpretrain.registry import TRANSFORMS as PRETRAIN
    from mmseg.registry import TRANSFORMS as SEG
    for registry in (PRETRAIN, SEG, DET):
        assert registry.get('StrictLoadImageFromFile') is StrictLoadImageFromFile
        assert isinstance(registry.build(dict(type='StrictLoadImageFromFile')), StrictLoadImageFromFile)


def _gray16(tmp_path):
    values = np.zeros((H, W), np.uint16)
    values[:, :5], values[:, 5:10], values[:, 10:] = 0, 32768, 65535
    return write(tmp_path / 'g16.png', Image.fromarray(values), 'PNG'), {(0, 0): 0, (0, 7): 128, (0, 15): 255}


def _rgb16(tmp_path):
    bgr16 = np.zeros((H, W, 3), np.uint16)
    bgr16[:] = (1000, 40000, 65535)
    path = str(tmp_path / 'rgb16.png')
    cv2.imwrite(path, bgr16)
    return path, {(0, 0): (3, 156, 255)}  # the high byte of each 16-bit channel


def _mode_case(tmp_path, mode):
    """(path, {(y, x): expected BGR or gray value}) for an image file stored in ``mode``."""
    rgb = red_image()
    if mode == 'RGB-jpeg':
        return write(tmp_path / 'a.jpg', rgb, 'JPEG', quality=95), {}
    if mode == 'L':
        gray = Image.fromarray(np.full((H, W), 77, np.uint8), 'L')
        return write(tmp_path / 'l.png', gray, 'PNG'), {(0, 0): 77}
    if mode == 'LA':
        la = np.zeros((H, W, 2), np.uint8)
        la[..., 0], la[:, W // 2:, 1] = 200, 255  # left half transparent, right half opaque gray 200
        return write(tmp_path / 'la.png', Image.fromarray(la, 'LA'), 'PNG'), {(0, 0): CANVAS_BGR, (0, W - 1): 200}
    if mode == 'P':
        return write(tmp_path / 'p.png', rgb.convert('P'), 'PNG'), {(0, 0): RED_BGR, (0, W - 1): (0, 255, 0)}
    if mode == 'P-transparency':
        pal = rgb.convert('P')
        red_index = pal.getpixel((0, 0))
        return (write(tmp_path / 'pt.png', pal, 'PNG', transparency=red_index),
                {(0, 0): CANVAS_BGR, (0, W - 1): (0, 255, 0)})
    if mode == 'RGBA':
        rgba = np.zeros((H, W, 4), np.uint8)
        rgba[..., 0] = 255
        rgba[:, W // 2:, 3] = 255  # left half: red stored under alpha 0
        return write(tmp_path / 'rgba.png', Image.fromarray(rgba, 'RGBA'), 'PNG'), {(0, 0): CANVAS_BGR,
                                                                                    (0, W - 1): RED_BGR}
    if mode == 'CMYK':
        return write(tmp_path / 'cmyk.tif', rgb.convert('CMYK'), 'TIFF'), {(0, 0): RED_BGR, (0, W - 1): (0, 255, 0)}
    if mode == 'CMYK-jpeg':
        return write(tmp_path / 'cmyk.jpg', rgb.convert('CMYK'), 'JPEG', quality=95), {}
    if mode == 'I;16':
        return _gray16(tmp_path)
    if mode == 'RGB16':
        return _rgb16(tmp_path)
    if mode == '1':
        return write(tmp_path / 'bw.png', Image.new('1', (W, H), 1), 'PNG'), {(0, 0): 255}
    return write(tmp_path / 'rgb.png', rgb, 'PNG'), {(0, 0): RED_BGR, (0, W - 1): (0, 255, 0)}


@pytest.mark.parametrize('mode', ['RGB', 'RGB-jpeg', 'L', 'LA', 'P', 'P-transparency', 'RGBA', 'CMYK', 'CMYK-jpeg',
                                  'I;16', 'RGB16', '1'])
def test_every_mode_decodes_to_bgr_uint8_hw3(tmp_path, mode):
    path, expected = _mode_case(tmp_path, mode)
    source_mode = Image.open(path).mode
    if mode == 'I;16':
        assert source_mode.startswith('I'), source_mode  # 16-bit gray as Pillow reads it
    elif mode not in ('RGB16', 'RGB-jpeg', 'CMYK-jpeg'):
        assert source_mode == mode.split('-')[0], source_mode
    results = load(path)
    img = results['img']
    assert img.shape == (H, W, 3) and img.dtype == np.uint8 and img.flags.c_contiguous
    assert results['img_shape'] == results['ori_shape'] == (H, W)
    for (y, x), value in expected.items():
        want = (value, ) * 3 if isinstance(value, int) else value
        assert tuple(img[y, x]) == want, (mode, (y, x), tuple(img[y, x]), want)
    if mode in ('RGB-jpeg', 'CMYK-jpeg'):  # lossy: red on the left, green on the right, in BGR order
        assert img[H // 2, 2, 2] > 200 and img[H // 2, 2, 1] < 60 and img[H // 2, 2, 0] < 60
        assert img[H // 2, W - 3, 1] > 200 and img[H // 2, W - 3, 2] < 60


def test_16bit_gray_is_scaled_not_clipped(tmp_path):
    """Pillow's convert('RGB') (mmcv's pillow path) saturates 16-bit gray at 255: mid-gray must stay mid-gray."""
    import mmcv
    path, _ = _gray16(tmp_path)
    with open(path, 'rb') as f:
        assert mmcv.imfrombytes(f.read(), backend='pillow')[0, 7, 0] == 255  # what the strict loader fixes
    assert load(path)['img'][0, 7].tolist() == [128, 128, 128]


def test_exif_orientation(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    path = write(tmp_path / 'rotated.jpg', red_image(), 'JPEG', exif=exif)
    assert load(path)['img'].shape == (W, H, 3)
    assert load(path, color_type='color_ignore_orientation')['img'].shape == (H, W, 3)


def test_warns_when_pillow_pads_truncated_files(monkeypatch):
    logged = []
    monkeypatch.setattr(loading, 'print_log', lambda msg, logger=None, level=None: logged.append(msg))
    monkeypatch.setattr(loading.ImageFile, 'LOAD_TRUNCATED_IMAGES', True)
    StrictLoadImageFromFile()
    assert len(logged) == 1 and 'LOAD_TRUNCATED_IMAGES is True' in logged[0]


def test_to_float32_and_parent_options(tmp_path):
    path, _ = _mode_case(tmp_path, 'RGB')
    img = load(path, to_float32=True)['img']
    assert img.dtype == np.float32 and img[0, 0].tolist() == list(RED_BGR)
    assert "on_error='raise'" in repr(StrictLoadImageFromFile())


def _jpeg_bytes():
    yy, xx = np.mgrid[0:64, 0:64]
    arr = np.stack([yy * 4, xx * 4, (yy + xx) * 2], -1).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, 'JPEG', quality=90)
    return buf.getvalue()


def _png_bytes():
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(buf, 'PNG')
    return buf.getvalue()


def _flip_middle_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]


BAD_FILES = {
    'truncated.jpg': (lambda: _jpeg_bytes()[:len(_jpeg_bytes()) // 2], 'truncated'),
    'no_eoi.jpg': (lambda: _jpeg_bytes()[:-2], 'truncated'),
    'truncated.png': (lambda: _png_bytes()[:len(_png_bytes()) // 2], 'truncated'),
    'no_iend.png': (lambda: _png_bytes()[:-12], 'truncated'),  # pixel data complete: Image.load() accepts it
    'flipped_byte.png': (lambda: _flip_middle_byte(_png_bytes()), 'cannot decode'),
    'random.jpg': (lambda: np.random.default_rng(1).bytes(3000), 'cannot decode'),
    'text.png': (lambda: b'this is not an image\n', 'cannot decode'),
    'empty.jpg': (lambda: b'', 'empty file'),
}


@pytest.mark.parametrize('name', list(BAD_FILES))
def test_bad_file_raises_naming_it(tmp_path, name):
    make, reason = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(make())
    with pytest.raises(BadImageError) as info:
        load(path)
    message = str(info.value)
    assert str(path) in message and reason in message and "on_error='skip'" in message, message
    assert info.value.filename == str(path) and info.value.reason.startswith(reason)
    assert isinstance(info.value, ValueError)


def test_missing_file(tmp_path):
    path = tmp_path / 'train' / 'cat' / 'gone.png'
    with pytest.raises(FileNotFoundError, match='is listed in the dataset but does not exist') as info:
        load(path)
    assert str(path) in str(info.value)


def test_skip_returns_none_logs_and_counts(tmp_path, monkeypatch):
    logged = []
    monkeypatch.setattr(loading, 'print_log', lambda msg, logger=None, level=None: logged.append((msg, level)))
    bad = tmp_path / 'cut.jpg'
    bad.write_bytes(_jpeg_bytes()[:300])
    good, _ = _mode_case(tmp_path, 'RGB')
    transform = StrictLoadImageFromFile(on_error='skip')
    start = StrictLoadImageFromFile.num_skipped
    assert transform(dict(img_path=str(bad))) is None
    assert transform(dict(img_path=str(tmp_path / 'missing.png'))) is None
    assert transform(dict(img_path=good))['img'].shape == (H, W, 3)
    assert StrictLoadImageFromFile.num_skipped == start + 2
    assert len(logged) == 2 and all(level == 30 for _, level in logged)  # logging.WARNING
    assert str(bad) in logged[0][0] and 'truncated' in logged[0][0]
    assert f'{start + 1} image(s) skipped by this process' in logged[0][0]
    assert 'missing.png' in logged[1][0] and 'file not found' in logged[1][0]
    assert f'{start + 2} image(s)' in logged[1][0]


def test_invalid_options():
    with pytest.raises(ValueError, match="on_error must be one of \\('raise', 'skip'\\), got 'ignore'"):
        StrictLoadImageFromFile(on_error='ignore')
    with pytest.raises(ValueError, match="ignore_empty=True.*on_error='skip'"):
        StrictLoadImageFromFile(ignore_empty=True)
    with pytest.raises(ValueError, match="color_type must be one of"):
        StrictLoadImageFromFile(color_type='unchanged')
    with pytest.raises(ValueError, match="color_type='grayscale' needs imdecode_backend='pillow'"):
        StrictLoadImageFromFile(color_type='grayscale', imdecode_backend='cv2')
    with pytest.raises(ValueError, match='imdecode_backend must be one of'):
        StrictLoadImageFromFile(imdecode_backend='magick')


def test_cv2_backend_still_names_bad_files(tmp_path):
    path = tmp_path / 'random.png'
    path.write_bytes(np.random.default_rng(2).bytes(500))
    with pytest.raises(BadImageError, match=r"random\.png.*cannot decode: cv2"):
        load(path, imdecode_backend='cv2')


def test_preloaded_image_passes_through():
    """mmpretrain's inferencers load images themselves and only drop a step named LoadImageFromFile."""
    img = np.zeros((4, 5, 3), np.uint8)
    results = dict(img=img, img_shape=(4, 5), ori_shape=(4, 5))
    assert StrictLoadImageFromFile()(results)['img'] is img


def _demo_dataset(root, on_error='raise', test_mode=False):
    from mmpretrain.registry import DATASETS
    cfg = Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'datasets', 'demo_cls_64px.py'))
    pipeline = cfg.train_pipeline
    assert pipeline[0]['type'] == 'StrictLoadImageFromFile'  # the shipped config uses the strict loader
    pipeline[0]['on_error'] = on_error
    return DATASETS.build(dict(type='CustomDataset', data_root=root, data_prefix='train', pipeline=pipeline,
                               test_mode=test_mode))


def test_dataset_from_config_pipeline_with_a_corrupted_file(tiny_demo_set, tmp_path, monkeypatch):
    logged = []
    monkeypatch.setattr(loading, 'print_log', lambda msg, logger=None, level=None: logged.append(msg))
    root = str(tmp_path / 'imagenet')
    shutil.copytree(tiny_demo_set, root)  # the session fixture stays intact
    dataset = _demo_dataset(root)
    bad_index = 1
    bad_path = dataset.get_data_info(bad_index)['img_path']
    with open(bad_path, 'rb') as f:
        data = f.read()
    with open(bad_path, 'wb') as f:
        f.write(data[:len(data) // 2])

    with pytest.raises(BadImageError, match='truncated') as info:
        dataset[bad_index]
    assert bad_path in str(info.value)
    assert dataset[0]['inputs'].shape == (3, 64, 64)

    skipping = _demo_dataset(root, on_error='skip')
    start = StrictLoadImageFromFile.num_skipped
    sample = skipping[bad_index]  # mmengine's BaseDataset fetches another random index instead
    assert sample['inputs'].shape == (3, 64, 64) and sample['inputs'].dtype == torch.uint8
    assert sample['data_samples'].img_path != bad_path
    # one skip, or more when the random refetch drew the bad index again
    assert len(logged) >= 1 and StrictLoadImageFromFile.num_skipped == start + len(logged)
    assert all(bad_path in msg for msg in logged)
    with pytest.raises(Exception, match='should not get `None`'):  # skip is for training only
        _demo_dataset(root, on_error='skip', test_mode=True)[bad_index]


# ------------------------------------------------------------------------------------------------ checkpoints
D, DEPTH, HEADS, IMG, PATCH = 16, 1, 2, 16, 8


def tiny_vit(init_cfg=None):
    return JEPAViT(arch=dict(embed_dims=D, num_layers=DEPTH, num_heads=HEADS, feedforward_channels=2 * D),
                   img_size=IMG, patch_size=PATCH, init_cfg=init_cfg)


def official_checkpoint():
    """A tiny official-format I-JEPA checkpoint (the official key names)."""
    block = {f'blocks.0.{name}.{p}': torch.zeros(3) for name in ('norm1', 'attn.qkv', 'attn.proj', 'norm2',
                                                                 'mlp.fc1', 'mlp.fc2') for p in ('weight', 'bias')}
    encoder = {'module.patch_embed.proj.weight': torch.zeros(D, 3, PATCH, PATCH), 'module.pos_embed': torch.zeros(1),
               'module.norm.weight': torch.ones(D), 'module.norm.bias': torch.zeros(D),
               **{'module.' + k: v for k, v in block.items()}}
    return {'encoder': encoder, 'target_encoder': dict(encoder), 'epoch': 3}


RESNET_STATE = {'conv1.weight': torch.zeros(4, 3, 7, 7), 'bn1.weight': torch.ones(4), 'bn1.bias': torch.zeros(4),
                'layer1.0.conv1.weight': torch.zeros(4, 4, 1, 1), 'fc.weight': torch.zeros(10, 4)}


def _tool(name):
    spec = importlib.util.spec_from_file_location(f'_bad_input_{name}',
                                                  osp.join(ROOT, 'tools', 'model_converters', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def converters():
    return {name: _tool(name) for name in ('ijepa_to_mmjepa', 'dmtjepa_to_mmjepa')}


def _write_text(path):
    path.write_text('epoch: 3\nencoder: not a checkpoint\n')


def _write_random(path):
    path.write_bytes(np.random.default_rng(3).bytes(2000))


@pytest.mark.parametrize('tool', ['ijepa_to_mmjepa', 'dmtjepa_to_mmjepa'])
@pytest.mark.parametrize('kind', ['text', 'random', 'empty'])
def test_converter_rejects_non_checkpoint(converters, tool, kind, tmp_path):
    src, dst = tmp_path / f'{kind}.pth.tar', tmp_path / 'out.pth'
    {'text': _write_text, 'random': _write_random, 'empty': lambda p: p.write_bytes(b'')}[kind](src)
    with pytest.raises(CheckpointFormatError) as info:
        converters[tool].main([str(src), str(dst)])
    message = str(info.value)
    assert str(src) in message and 'expected an official' in message, message
    assert {'empty': 'is an empty file (0 bytes)', 'random': 'unpickling failed: random or corrupted bytes',
            'text': "it is a text file starting with 'epoch: 3"}[kind] in message, message
    assert not dst.exists()


@pytest.mark.parametrize('tool', ['ijepa_to_mmjepa', 'dmtjepa_to_mmjepa'])
def test_converter_rejects_wrong_checkpoint_kinds(converters, tool, tmp_path):
    mmjepa_ckpt, resnet = tmp_path / 'mmjepa.pth', tmp_path / 'resnet.pth'
    torch.save(convert_ijepa_checkpoint(official_checkpoint()), mmjepa_ckpt)
    torch.save({'state_dict': RESNET_STATE, 'meta': {}}, resnet)
    with pytest.raises(ValueError, match=r'already an mmjepa.*nothing to convert; use it directly'):
        converters[tool].main([str(mmjepa_ckpt), str(tmp_path / 'out1.pth')])
    with pytest.raises(ValueError, match=r"Expected an official I-JEPA checkpoint.*found the keys \['conv1.weight'"):
        converters[tool].main([str(resnet), str(tmp_path / 'out2.pth')])
    official = tmp_path / 'official.pth.tar'  # control: the right kind converts
    torch.save(official_checkpoint(), official)
    converters[tool].main([str(official), str(tmp_path / 'ok.pth')])
    assert (tmp_path / 'ok.pth').exists()


def test_strict_transfer_rejects_wrong_files(tmp_path):
    official, resnet, text = tmp_path / 'official.pth.tar', tmp_path / 'resnet.pth', tmp_path / 'notes.pth'
    torch.save(official_checkpoint(), official)
    torch.save(RESNET_STATE, resnet)
    _write_text(text)
    pretrained = dict(type='Pretrained', prefix='target_generator.encoder.')
    with pytest.raises(TransferError, match=r'official I-JEPA/DMT-JEPA checkpoint.*convert it first with python '
                                            r'tools/model_converters/ijepa_to_mmjepa\.py'):
        tiny_vit(dict(pretrained, checkpoint=str(official))).init_weights()
    with pytest.raises(TransferError, match=r'none of the 5 checkpoint keys is a backbone key: the checkpoint is '
                                            r"of another model \(its key prefixes: \['bn1\.', 'conv1\."):
        tiny_vit(dict(pretrained, checkpoint=str(resnet), prefix=None)).init_weights()
    with pytest.raises(CheckpointFormatError, match=rf"{text}.*is not a PyTorch checkpoint.*expected an mmjepa "):
        tiny_vit(dict(pretrained, checkpoint=str(text))).init_weights()


# ----------------------------------------------------------------------------------------- malicious pickles
class _RunsCode:
    """Unpickling this runs a shell command (as a malicious checkpoint would)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f'touch {shlex.quote(self.marker)}', )


@pytest.fixture
def malicious(tmp_path):
    """Malicious files (zip and legacy torch serialisation, a bare protocol-0 pickle, which is plain text) that
    create ``marker`` when unpickled."""
    marker = tmp_path / 'MARKER'
    payload = {'state_dict': {'backbone.pos_embed': torch.zeros(1)}, 'meta': _RunsCode(marker)}
    files = [tmp_path / 'evil_zip.pth', tmp_path / 'evil_legacy.pth', tmp_path / 'evil_protocol0.pth']
    torch.save(payload, files[0])
    torch.save(payload, files[1], _use_new_zipfile_serialization=False)
    files[2].write_bytes(pickle.dumps(_RunsCode(marker), protocol=0))
    control = tmp_path / 'CONTROL'
    pickle.loads(pickle.dumps(_RunsCode(control)))  # the payload is real: plain unpickling runs it
    assert control.exists()
    return files, marker


def test_converters_refuse_code(converters, malicious, tmp_path):
    files, marker = malicious
    for tool in converters.values():
        for src in files:
            with pytest.raises(UnsafeCheckpointError) as info:
                tool.main([str(src), str(tmp_path / 'out.pth')])
            assert isinstance(info.value, pickle.UnpicklingError) and isinstance(info.value, ValueError)
            message = str(info.value)
            assert f'Refused to load {str(src)!r}' in message and 'system' in message, message
    assert not marker.exists() and not (tmp_path / 'out.pth').exists()


def test_strict_pretrained_refuses_code(malicious):
    files, marker = malicious
    for src in files:
        model = tiny_vit(dict(type='Pretrained', checkpoint=str(src), prefix='backbone.'))
        with pytest.raises(UnsafeCheckpointError, match='weights_only=True'):
            model.init_weights()
    assert not marker.exists()


class _ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 2)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return self.linear(inputs)


def test_runner_load_checkpoint_and_load_from_refuse_code(malicious, tmp_path):
    """mmengine calls torch.load without weights_only: torch >= 2.6 then unpickles data only."""
    from mmengine.runner import Runner
    files, marker = malicious
    for i, src in enumerate(files):
        runner = Runner(model=_ToyModel(), work_dir=str(tmp_path / f'work{i}'), load_from=str(src),
                        experiment_name=f'bad_input_{tmp_path.name}_{i}')
        with pytest.raises(pickle.UnpicklingError, match='Weights only load failed'):
            runner.load_checkpoint(str(src))
        with pytest.raises(pickle.UnpicklingError, match='Weights only load failed'):
            runner.load_or_resume()  # the load_from path
    assert not marker.exists()


@pytest.mark.parametrize('img_size', [60, (64, 60)])
def test_image_size_not_divisible_by_the_patch_is_a_build_error(img_size):
    from mmjepa.models import JEPAViT
    with pytest.raises(ValueError, match=r'backbone\.img_size=.* not divisible by model\.backbone\.patch_size=8'):
        JEPAViT(arch='tiny', img_size=img_size, patch_size=8)
