"""boto3 against `trent server --dev`: one server per session, wiped before every test.

The same fixture as examples/pytest (the README's); `TRENT` names the binary under test.
"""

import os
import subprocess
import urllib.request

import pytest


@pytest.fixture(scope="session")
def trent():
    binary = os.environ.get("TRENT", "trent")
    proc = subprocess.Popen(
        [binary, "server", "--dev", "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    endpoint = next(
        line.split("=", 1)[1].strip()
        for line in proc.stdout
        if line.startswith("export AWS_ENDPOINT_URL=")
    )
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
    )
    yield endpoint
    proc.terminate()
    proc.wait()


@pytest.fixture(autouse=True)
def clean_trent(trent):
    urllib.request.urlopen(urllib.request.Request(f"{trent}/_trent/reset", method="POST"))
