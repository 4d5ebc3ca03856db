import keras
import pytest

from t2t_mm import registry
from t2t_mm.data import Problem
from t2t_mm.errors import RegistryError
from t2t_mm.naming import snake_case


@pytest.fixture
def reg():
    return registry.Registry("problem", "problems")


def test_snake_case_of_class_names():
    assert snake_case("TranslateEndeWmt8k") == "translate_ende_wmt8k"
    assert snake_case("ImageMsCocoCaptions") == "image_ms_coco_captions"
    assert snake_case("ParsingWSJ") == "parsing_wsj"
    assert snake_case("already_snake") == "already_snake"


def test_register_with_default_and_explicit_names():
    @registry.register_model
    class MyTestModelA(keras.Model):
        pass

    @registry.register_model("custom_name_b")
    class MyTestModelB(keras.Model):
        pass

    try:
        assert registry.model("my_test_model_a") is MyTestModelA
        assert MyTestModelA.registered_name == "my_test_model_a"
        assert registry.model("custom_name_b") is MyTestModelB
    finally:
        registry.MODELS.unregister("my_test_model_a")
        registry.MODELS.unregister("custom_name_b")


def test_duplicate_name_says_where_the_first_came_from(reg):
    reg.register("x", 1, "first.py:10")
    with pytest.raises(RegistryError, match=r"'x' is registered twice: first at first.py:10, again at b.py:3"):
        reg.register("x", 2, "b.py:3")


def test_reregistering_from_the_same_place_is_harmless(reg):
    reg.register("x", 1, "a.py:1")
    reg.register("x", 2, "a.py:1")
    assert reg.get("x") == 2


def test_unknown_name_suggests_closest(reg):
    for name in ["translate_ende_wmt8k", "translate_deen_wmt8k", "image_imagenet"]:
        reg.register(name, name, name)
    with pytest.raises(RegistryError) as err:
        reg.get("translate_en_de_wmt8k")
    message = str(err.value)
    assert message.startswith("no problem named 'translate_en_de_wmt8k'. Did you mean: translate_ende_wmt8k")
    assert "translate_deen_wmt8k" in message
    assert "--registry_help" in message and "--usr_dir" in message
    assert "image_imagenet" not in message


def test_unknown_name_far_from_everything_has_no_suggestion(reg):
    reg.register("image_imagenet", 1, "a")
    with pytest.raises(RegistryError) as err:
        reg.get("zzzz")
    assert "Did you mean" not in str(err.value)


def test_mixtures_expand_and_validate():
    @registry.register_problem
    class FoundationProbA(Problem):
        pass

    @registry.register_problem
    class FoundationProbB(Problem):
        pass

    registry.register_mixture("foundation_mix", {"foundation_prob_a": 2.0, "foundation_prob_b": 1.0})
    try:
        assert registry.expand_problems("foundation_mix") == {"foundation_prob_a": 2.0, "foundation_prob_b": 1.0}
        assert registry.expand_problems("foundation_prob_b, foundation_prob_a") == {
            "foundation_prob_b": 1.0, "foundation_prob_a": 1.0}
        with pytest.raises(RegistryError, match="no problem named 'foundation_prob_x'. Did you mean: .*foundation_prob_a"):
            registry.expand_problems("foundation_prob_a,foundation_prob_x")
        with pytest.raises(RegistryError, match="no problems given"):
            registry.expand_problems(" , ")
        with pytest.raises(RegistryError, match="weight > 0"):
            registry.register_mixture("bad_mix", {"foundation_prob_a": 0})
        assert "foundation_mix  [foundation_prob_a, foundation_prob_b]" in registry.help_text()
    finally:
        for name in ("foundation_prob_a", "foundation_prob_b"):
            registry.PROBLEMS.unregister(name)
        registry.MIXTURES.unregister("foundation_mix")


def test_problem_lookup_returns_an_instance():
    @registry.register_problem
    class FoundationProbC(Problem):
        pass

    try:
        assert isinstance(registry.problem("foundation_prob_c"), FoundationProbC)
    finally:
        registry.PROBLEMS.unregister("foundation_prob_c")


def test_registrations_check_the_base_class():
    class DuckProblem:            # has what a problem has, but not the Problem API the trainer relies on
        def dataset(self, mode, data_dir, hparams):
            return None

    with pytest.raises(RegistryError, match=r"problem 'duck_problem' \(class .*DuckProblem at .*test_registry.py:\d+\) "
                                            r"must extend t2t_mm.data.Problem: subclass it or one of its task shapes"):
        registry.register_problem(DuckProblem)
    with pytest.raises(RegistryError, match=r"model 'duck_model' \(class .*DuckModel .*\) must extend keras.Model"):
        @registry.register_model
        class DuckModel:
            pass
    assert "duck_problem" not in registry.PROBLEMS and "duck_model" not in registry.MODELS
