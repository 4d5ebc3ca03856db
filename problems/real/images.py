"""ImageNet classification (ILSVRC-2012) and MS-COCO captioning, from raw folders or TFDS.

image_imagenet: raw ``train/<wnid>/*.JPEG`` (+ ``val/``) in --tmp_dir, labels from the 1000-wnid list;
without ``val/`` the dev split is a stable 1-in-20 hold-out of train. TFDS: imagenet2012, whose
manual_dir is --tmp_dir (the two ILSVRC2012_img_*.tar files). Inputs are preprocessed as in the
paper's era: shorter side resized, random (train) or central crop, per-image standardization.
image_ms_coco_captions: raw ``annotations/captions_{train,val}<year>.json`` + image folders, one sample
per (image, caption) as T2T did; TFDS: coco_captions (train / val).
"""

import os
import zlib

from t2t_mm import registry
from t2t_mm.data import ImageToClassProblem, ImageToTextProblem
from t2t_mm.errors import UserError
from t2t_mm.problems.real import source
from t2t_mm.readers import coco, imagenet


def _held_out(path):
    return zlib.crc32(path.replace("\\", "/").rsplit("/", 1)[-1].encode()) % 20 == 0


@registry.register_problem
class ImageImagenet(source.HasSources, ImageToClassProblem):
    num_classes = 1000
    image_size = 224
    splits = {"train": 64, "dev": 4}
    tfds = source.TfdsBuilder("imagenet2012", {"train": "train", "dev": "validation"}, skip_image_decoding=True)

    def generate_samples(self, tmp_dir, split):
        if self.source is not source.RAW:
            for ex in self.source.examples(tmp_dir, split):
                yield {"image": bytes(ex["image"]), "label": int(ex["label"])}
            return
        root = imagenet.find_root(tmp_dir)
        if root is None:
            raise UserError("%s: no train/<wnid>/*.JPEG images under --tmp_dir=%s; extract ILSVRC-2012 "
                            "there (or use --source=tfds)." % (self.name, tmp_dir))
        wnids = imagenet.read_wnids(tmp_dir, root)
        train = imagenet.list_images(root, "train", wnids, tmp_dir)
        val = imagenet.list_images(root, "val", wnids, tmp_dir)
        if split == "train" and not train:
            raise UserError("%s: %s has no train/<wnid>/*.JPEG images (only val/), so there is nothing to "
                            "train on; extract ILSVRC2012_img_train.tar there (one tar per class, into "
                            "train/<wnid>/), or use --source=tfds." % (self.name, root))
        if split == "train":
            chosen = [item for item in train if val or not _held_out(item[0])]
        else:
            chosen = val or [item for item in train if _held_out(item[0])]
        for path, label in chosen:
            yield {"image": imagenet.rgb_jpeg_bytes(path), "label": label}

    def preprocess_image(self, image, training):
        return imagenet.preprocess(image, self.image_size, training)


@registry.register_problem
class ImageMsCocoCaptions(source.HasSources, ImageToTextProblem):
    target_space = "english"
    image_size = 224
    splits = {"train": 32, "dev": 2}
    tfds = source.TfdsBuilder("coco_captions", {"train": "train", "dev": "val"}, skip_image_decoding=True)

    def vocab_lines(self, tmp_dir):
        """Captions only, from the annotation files, without reading the images (raw source)."""
        if self.source is not source.RAW:
            yield from super().vocab_lines(tmp_dir)
            return
        for path in self._annotation_files(tmp_dir, "train"):
            for _, _, captions in coco.read_captions(path):
                yield from captions

    def _annotation_files(self, tmp_dir, split):
        files = coco.find_annotation_files(tmp_dir)[split]
        if not files:
            name = "captions_train*.json" if split == "train" else "captions_val*.json"
            raise UserError("%s: no annotations/%s under --tmp_dir=%s (the %s split comes from it); unpack "
                            "COCO's annotations_trainval2014.zip or annotations_trainval2017.zip (and the "
                            "images) there, or use --source=tfds." % (self.name, name, tmp_dir, split))
        return files

    def generate_samples(self, tmp_dir, split):
        if self.source is not source.RAW:
            for ex in self.source.examples(tmp_dir, split):
                for caption in ex["captions"]["text"]:
                    yield {"image": bytes(ex["image"]), "targets": " ".join(source.text(caption).split())}
            return
        files = self._annotation_files(tmp_dir, split)
        for path in files:
            for _, image_path, captions in coco.read_captions(path):
                coco.read_image_bytes(image_path)  # a clear error if the image is missing
                image = imagenet.rgb_jpeg_bytes(  # COCO has grayscale JPEGs too
                    image_path, "COCO's %s.zip" % os.path.basename(os.path.dirname(image_path)))
                for caption in captions:
                    yield {"image": image, "targets": caption}

    def preprocess_image(self, image, training):
        return imagenet.preprocess(image, self.image_size, training)
