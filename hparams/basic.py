"""The plain base set: only the data/batching and training keys the library reads, registered so that
--registry_help lists it. Model sets extend it (hp = basic_params(); hp.add_hparam(...)), as
multimodel_base does; the function lives in t2t_mm.hparams_lib, where plugins import it from."""
from t2t_mm import registry
from t2t_mm.hparams_lib import basic_params

registry.register_hparams("basic_params")(basic_params)
