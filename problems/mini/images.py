"""Mini image classification (twin of ImageNet) and captioning (twin of MS-COCO) on rendered scenes
of coloured shapes from t2t_mm.synth.scenes, stored as PNG like the real problems' encoded images."""
from t2t_mm import registry
from t2t_mm.data import ImageToClassProblem, ImageToTextProblem
from t2t_mm.problems.mini import sizes

IMAGE_SIZE = 32


@registry.register_problem
class MiniImageClasses(ImageToClassProblem):
    image_size = IMAGE_SIZE

    @property
    def num_classes(self):
        from t2t_mm.synth import scenes  # imported when used, so a broken generator breaks only this
        return scenes.NUM_CLASSES
    splits = sizes.splits("image_classes", train_shards=4)
    tmp_dir_hint = sizes.TMP_DIR_HINT

    def num_examples(self, split):
        return sizes.count("image_classes", split, self.size_scale)

    def generate_samples(self, tmp_dir, split):
        from t2t_mm.synth import scenes
        seed = sizes.seed("image_classes", split)
        for scene in scenes.scenes(seed, self.num_examples(split), image_size=IMAGE_SIZE):
            yield {"image": scene["image"], "label": scene["label"]}


@registry.register_problem
class MiniImageCaptions(ImageToTextProblem):
    image_size = IMAGE_SIZE
    target_space = "english"
    splits = sizes.splits("image_captions", train_shards=4)
    tmp_dir_hint = sizes.TMP_DIR_HINT

    def num_examples(self, split):
        return sizes.count("image_captions", split, self.size_scale)

    def generate_samples(self, tmp_dir, split):
        from t2t_mm.synth import scenes
        seed = sizes.seed("image_captions", split)
        for scene in scenes.scenes(seed, self.num_examples(split), image_size=IMAGE_SIZE):
            yield {"image": scene["image"], "targets": scene["caption"]}
