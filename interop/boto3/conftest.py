"""boto3 against `trent server --dev`: one server per session, wiped before every test.

The fixtures are the README's, loaded from examples/pytest/conftest.py so that there is one
copy; `TRENT` names the binary under test.
"""

import importlib.util
import pathlib

_EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "pytest" / "conftest.py"
_spec = importlib.util.spec_from_file_location("trent_example_fixtures", _EXAMPLE)
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)

trent = _fixtures.trent
clean_trent = _fixtures.clean_trent
