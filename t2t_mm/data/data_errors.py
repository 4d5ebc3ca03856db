"""User-facing errors of the data layer: each names the file or directory and the command that fixes it."""
from t2t_mm.errors import UserError


class MissingDataError(UserError, FileNotFoundError):
    """No (complete) shards, vocabulary or command table where a problem's data should be."""


class CorruptDataError(UserError):
    """A shard or a data-dir file that exists but cannot be read."""


class VocabError(UserError):
    """The shared vocabulary cannot be built or would have to change."""


class DataDirError(UserError):
    """A data or tmp directory that cannot be created or written."""


def datagen_command(problem_name, data_dir, tmp_dir_hint="<tmp_dir>"):
    """The command line that (re)makes a problem's data, for error messages."""
    return f"mm-datagen --problem={problem_name} --data_dir={data_dir} --tmp_dir={tmp_dir_hint}"


class EmptyStreamError(UserError):
    """A split that yields no example once the pipeline's filters ran (training would wait forever)."""
