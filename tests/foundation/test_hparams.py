import json

import pytest

from t2t_mm import registry
from t2t_mm.errors import HParamsError
from t2t_mm.hparams import HParams
from t2t_mm.hparams_lib import create_hparams
from t2t_mm.training import run_folder


def make():
    hp = HParams(moe_num_experts=60, moe_k=4, dropout=0.1, use_moe=True, name="base", kernels=[3, 3, 15, 15])
    hp.set_name = "multimodel_tiny"
    return hp


def test_parse_every_type():
    hp = make().parse("moe_num_experts=16,dropout=0.5,kernels=[1,2],use_moe=false,name=foo")
    assert (hp.moe_num_experts, hp.dropout, hp.kernels, hp.use_moe, hp.name) == (16, 0.5, [1, 2], False, "foo")


def test_int_given_for_float_is_widened():
    hp = make().parse("dropout=1")
    assert hp.dropout == 1.0 and isinstance(hp.dropout, float)


def test_unknown_key_names_key_type_and_closest():
    with pytest.raises(HParamsError) as err:
        make().parse("moe_experts=60")
    assert str(err.value) == ("hparams set 'multimodel_tiny' has no 'moe_experts' (int expected). "
                              "Did you mean: moe_num_experts?")


def test_wrong_type_names_key_and_expected_type():
    with pytest.raises(HParamsError, match=r"'moe_k' expects int, got 'two' \(str\)"):
        make().parse("moe_k=two")
    with pytest.raises(HParamsError, match=r"'moe_k' expects int, got 2.5"):
        make().parse("moe_k=2.5")
    with pytest.raises(HParamsError, match=r"'use_moe' expects bool"):
        make().parse("use_moe=1")
    with pytest.raises(HParamsError, match=r"'kernels' expects list of int"):
        make().parse("kernels=[1,x]")


def test_malformed_override_and_no_partial_update():
    hp = make()
    with pytest.raises(HParamsError, match="malformed hparams override 'moe_k'"):
        hp.parse("moe_num_experts=8,moe_k")
    assert hp.moe_num_experts == 60


def test_attribute_assignment_is_checked():
    hp = make()
    hp.moe_k = 2
    with pytest.raises(HParamsError, match="Did you mean: moe_k"):
        hp.moe_kk = 2
    with pytest.raises(HParamsError, match="expects int"):
        hp.moe_k = "2"
    with pytest.raises(HParamsError, match="Did you mean: dropout"):
        _ = hp.dropot


def test_json_round_trip(tmp_path):
    hp = make().parse("kernels=[5,5]")
    path = run_folder.write_hparams(str(tmp_path), hp)
    assert json.load(open(path))["set_name"] == "multimodel_tiny"
    again = run_folder.read_hparams(str(tmp_path))
    assert again == hp and again.set_name == "multimodel_tiny"


def test_load_without_file_says_how_to_make_it(tmp_path):
    with pytest.raises(HParamsError, match="no hparams.json in .*mm-trainer --output_dir="):
        run_folder.read_hparams(str(tmp_path))


def test_derived_sets_and_registered_overrides():
    @registry.register_hparams
    def foundation_small_moe():
        hp = foundation_parent()
        hp.moe_num_experts = 16
        return hp

    def foundation_parent():
        return make()

    try:
        hp = registry.hparams("foundation_small_moe")
        assert hp.moe_num_experts == 16 and hp.moe_k == 4 and hp.set_name == "foundation_small_moe"
    finally:
        registry.HPARAMS.unregister("foundation_small_moe")


def test_create_hparams_resumes_from_output_dir(tmp_path):
    from t2t_mm import plugins
    plugins.load_all()
    hp = create_hparams("multimodel_tiny", "moe_k=1", str(tmp_path))
    run_folder.write_hparams(str(tmp_path), hp)
    resumed = create_hparams("multimodel_tiny", "", str(tmp_path))
    assert resumed.moe_k == 1
    with pytest.raises(HParamsError, match="trained with --hparams_set=multimodel_tiny, not multimodel_base"):
        create_hparams("multimodel_base", "", str(tmp_path))


def test_registered_sets_derive():
    from t2t_mm import plugins
    plugins.load_all()
    base, joint = registry.hparams("multimodel_base"), registry.hparams("multimodel_base_joint")
    assert base.moe_num_experts == 60 and joint.moe_num_experts == 240
    assert set(base.values()) == set(registry.hparams("multimodel_tiny").values())


def test_basic_params_hold_the_library_keys_and_model_sets_extend_them():
    from t2t_mm import plugins
    from t2t_mm.data.pipeline import REQUIRED_HPARAMS
    from t2t_mm.hparams_lib import basic_params
    plugins.load_all()
    basic = basic_params()
    assert set(REQUIRED_HPARAMS) <= set(basic.values()) and "learning_rate" in basic
    assert registry.hparams("basic_params") == basic
    for name in ("multimodel_base", "multimodel_tiny"):
        assert set(basic.values()) < set(registry.hparams(name).values())
    hp = basic_params()
    hp.add_hparam("my_width", 64)           # a plugin model's own key on top of the base set
    assert hp.parse("my_width=32,batch_size=128").my_width == 32


def test_string_choices_are_refused_when_parsed_naming_the_allowed_values():
    from t2t_mm import plugins
    plugins.load_all()
    with pytest.raises(HParamsError, match="modality_norm.*one of map, position"):
        create_hparams("multimodel_tiny", "modality_norm=batch")
    with pytest.raises(HParamsError, match="audio_spectrogram.*one of log_mel, log_magnitude"):
        create_hparams("multimodel_tiny", "audio_spectrogram=mfcc")
