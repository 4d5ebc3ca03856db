"""COCO captions and ImageNet folders on the real excerpts; CMYK/PNG/truncated fixtures; preprocessing."""

import io
import json
import os
import shutil

import numpy as np
import pytest
from PIL import Image

from t2t_mm.errors import UserError
from t2t_mm.readers import coco, imagenet


def test_real_coco_json_gives_5_captions_per_image(real):
    root = real("coco")
    files = coco.find_annotation_files(root)
    assert files["train"] == [] and [os.path.basename(p) for p in files["dev"]] == ["captions_val2017.json"]
    images = coco.read_captions(files["dev"][0])
    assert len(images) == 15 and all(len(c) == 5 for _, _, c in images)
    assert all(os.path.exists(p) for _, p, _ in images)
    raw = json.load(open(files["dev"][0]))
    # the raw annotations are unsorted and some captions end in a space; the reader groups and strips
    ids = [a["image_id"] for a in raw["annotations"]]
    assert ids != sorted(ids) and any(a["caption"].endswith(" ") for a in raw["annotations"])
    assert not any(c != c.strip() for _, _, caps in images for c in caps)
    expected = sorted((a["id"], " ".join(a["caption"].split())) for a in raw["annotations"] if a["image_id"] == 11813)
    assert dict((i, c) for i, _, c in images)[11813] == [c for _, c in expected]
    assert coco.read_image_bytes(images[0][1])[:2] == b"\xff\xd8"


def test_coco_bad_inputs(tmp_path):
    (tmp_path / "annotations").mkdir()
    bad = tmp_path / "annotations" / "captions_train2014.json"
    bad.write_text('{"images": [')
    with pytest.raises(UserError, match="captions_train2014.json is not valid JSON"):
        coco.read_captions(str(bad))
    bad.write_text(json.dumps({"images": [{"id": 1, "file_name": "COCO_train2014_000000000001.jpg"}],
                               "annotations": [{"image_id": 1, "id": 5, "caption": "A cat. "}]}))
    (_, path, caps), = coco.read_captions(str(bad))
    assert caps == ["A cat."] and path.endswith(os.path.join("train2014", "COCO_train2014_000000000001.jpg"))
    with pytest.raises(UserError, match="COCO_train2014_000000000001.jpg is missing"):
        coco.read_image_bytes(path)


def test_real_imagenet_labels_and_grayscale_to_rgb(real):
    root = real("imagenet")
    wnids = imagenet.read_wnids(root)
    assert wnids[0] == "n01440764" and wnids[-1] == "n15075141"
    images = imagenet.list_images(root, "train", wnids)
    assert len(images) == 30
    assert dict(images)[os.path.join(root, "train", "n01440764", "ILSVRC2012_val_00006697.JPEG")] == 0
    assert {label for _, label in images} == {wnids.index(d) for d in os.listdir(os.path.join(root, "train"))}
    gray = os.path.join(root, "train", "n02979186", "ILSVRC2012_val_00006787.JPEG")
    assert Image.open(gray).mode == "L"
    converted = Image.open(io.BytesIO(imagenet.rgb_jpeg_bytes(gray)))
    assert converted.mode == "RGB" and converted.format == "JPEG" and converted.size == (224, 224)
    colour = images[0][0]
    assert imagenet.rgb_jpeg_bytes(colour) == open(colour, "rb").read()  # RGB JPEG passes untouched


def _synsets(root, wnids):
    (root / "imagenet_lsvrc_2015_synsets.txt").write_text("\n".join(wnids) + "\n")


def test_cmyk_png_truncated_and_flat_val(tmp_path):
    wnids = ["n%08d" % i for i in range(1000)]
    _synsets(tmp_path, wnids)
    folder = tmp_path / "train" / wnids[7]
    folder.mkdir(parents=True)
    Image.new("CMYK", (20, 10), (0, 255, 255, 0)).save(folder / "a.JPEG", format="JPEG")
    Image.new("RGBA", (8, 8), (0, 0, 255, 255)).save(folder / "png_in_disguise.JPEG", format="PNG")
    images = imagenet.list_images(str(tmp_path), "train", imagenet.read_wnids(str(tmp_path)))
    assert [label for _, label in images] == [7, 7]
    for path, _ in images:
        image = Image.open(io.BytesIO(imagenet.rgb_jpeg_bytes(path)))
        assert image.mode == "RGB" and image.format == "JPEG"
    red = np.asarray(Image.open(io.BytesIO(imagenet.rgb_jpeg_bytes(images[0][0]))))
    assert red[..., 0].mean() > 200 and red[..., 1].mean() < 60  # CMYK (0,255,255,0) is red
    data = open(images[0][0], "rb").read()
    (folder / "cut.JPEG").write_bytes(data[:len(data) // 2])
    with pytest.raises(UserError, match="cut.JPEG cannot be decoded"):
        imagenet.rgb_jpeg_bytes(str(folder / "cut.JPEG"))
    val = tmp_path / "val"
    val.mkdir()
    shutil.copy(images[0][0], val / "ILSVRC2012_val_00000002.JPEG")
    (tmp_path / "imagenet_2012_validation_synset_labels.txt").write_text("%s\n%s\n" % (wnids[1], wnids[42]))
    assert [l for _, l in imagenet.list_images(str(tmp_path), "val", wnids)] == [42]
    os.remove(tmp_path / "imagenet_2012_validation_synset_labels.txt")
    with pytest.raises(UserError, match="no label"):
        imagenet.list_images(str(tmp_path), "val", wnids)


def test_missing_or_short_synset_list(tmp_path):
    (tmp_path / "train" / "n01440764").mkdir(parents=True)
    with pytest.raises(UserError, match="imagenet_lsvrc_2015_synsets.txt"):
        imagenet.read_wnids(str(tmp_path))


def test_preprocess_resizes_shorter_side_crops_and_standardizes():
    image = np.tile(np.arange(300, dtype=np.float32)[None, :, None] % 256, (100, 1, 3)).astype(np.uint8)
    out = imagenet.preprocess(image, 32, training=False).numpy()
    assert out.shape == (32, 32, 3)
    assert abs(out.mean()) < 1e-4 and abs(out.std() - 1.0) < 1e-2
    again = imagenet.preprocess(image, 32, training=False).numpy()
    np.testing.assert_array_equal(out, again)  # central crop: deterministic
    train = imagenet.preprocess(image, 32, training=True, seed=1).numpy()
    assert train.shape == (32, 32, 3)


def test_imagenet_root_found_below_tmp_dir(real, tmp_path):
    os.makedirs(tmp_path / "ILSVRC" / "Data")
    os.symlink(real("imagenet"), tmp_path / "ILSVRC" / "Data" / "CLS-LOC")
    assert imagenet.find_root(str(tmp_path)) == str(tmp_path / "ILSVRC" / "Data" / "CLS-LOC")
    assert imagenet.find_root(real("imagenet")) == real("imagenet")
    assert imagenet.find_root(str(tmp_path / "ILSVRC" / "Data" / "CLS-LOC" / "labels")) is None
