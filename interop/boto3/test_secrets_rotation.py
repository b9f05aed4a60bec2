"""Secrets Manager rotation through boto3 and the AWS CLI against a real database.

A throwaway PostgreSQL 15 cluster (initdb with scram-sha-256, a free port on 127.0.0.1, stopped
by its PID) holds a user whose password Trent's built-in `trent-postgresql-single-user` function
rotates: once started by boto3's `rotate_secret`, once by `aws secretsmanager rotate-secret`. After
each rotation the new password logs in and the old one no longer does. Without the PostgreSQL 15
binaries the test says loudly that it is skipped; under CI=true it fails instead.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import boto3
import pytest

PG_BIN = "/usr/lib/postgresql/15/bin"
SUPERUSER_PASSWORD = "Super-user-pw-1"
LAMBDA = "arn:aws:lambda:us-east-1:000000000000:function:trent-postgresql-single-user"


def missing(what):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required under CI=true")
    print(f"\n!!!!!!!! SKIPPED: {what} is not available; this test did NOT run !!!!!!!!\n", file=sys.stderr)
    pytest.skip(f"{what} is not available")


def as_postgres(args):
    """PostgreSQL refuses to run as root: run its programs as the postgres user then."""
    if os.geteuid() == 0:
        return ["setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups", "--"] + args
    return args


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def logs_in(port, user, password):
    env = {"PATH": os.environ.get("PATH", ""), "PGPASSWORD": password, "PGPASSFILE": os.devnull,
           "PGSSLMODE": "disable", "PGCONNECT_TIMEOUT": "5"}
    r = subprocess.run([f"{PG_BIN}/psql", "-h", "127.0.0.1", "-p", str(port), "-U", user, "-d", "postgres", "-w",
                        "-tAc", "SELECT 1"], env=env, capture_output=True, text=True)
    return r.returncode == 0


def admin(port, sql):
    env = {"PATH": os.environ.get("PATH", ""), "PGPASSWORD": SUPERUSER_PASSWORD, "PGPASSFILE": os.devnull,
           "PGSSLMODE": "disable"}
    subprocess.run([f"{PG_BIN}/psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres", "-w",
                    "-v", "ON_ERROR_STOP=1", "-c", sql], env=env, check=True, capture_output=True)


@pytest.fixture
def postgres():
    if not os.path.exists(f"{PG_BIN}/initdb"):
        missing(f"PostgreSQL 15 binaries in {PG_BIN}")
    work = tempfile.mkdtemp(prefix="trent-rotation-pg-")
    data = os.path.join(work, "data")
    pwfile = os.path.join(work, "pw")
    with open(pwfile, "w") as f:
        f.write(SUPERUSER_PASSWORD)
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", work], check=True)
    subprocess.run(as_postgres([f"{PG_BIN}/initdb", "-D", data, "-U", "postgres", "--auth=scram-sha-256",
                                "-E", "UTF8", "--no-sync", f"--pwfile={pwfile}"]),
                   check=True, stdout=subprocess.DEVNULL)
    # TCP on loopback only, and every login checked with SCRAM (the machine's own server trusts
    # every login, so it could not tell an old password from a new one).
    with open(os.path.join(data, "pg_hba.conf"), "w") as f:
        f.write("host all all 127.0.0.1/32 scram-sha-256\n")
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", work], check=True)
    port = free_port()
    proc = subprocess.Popen(as_postgres([f"{PG_BIN}/postgres", "-D", data, "-p", str(port),
                                         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                                         "-c", f"unix_socket_directories={work}"]),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            if logs_in(port, "postgres", SUPERUSER_PASSWORD):
                break
            time.sleep(0.1)
        else:
            pytest.fail("the throwaway PostgreSQL cluster did not start")
        assert not logs_in(port, "postgres", "wrong"), "the throwaway cluster checks passwords"
        yield port
    finally:
        # Fast shutdown of the postmaster this test started, by its PID.
        os.kill(proc.pid, signal.SIGINT)
        proc.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)


def wait_for_rotation(sm, secret, token):
    """The scheduler runs the rotation as soon as it starts; wait (bounded) until it finished:
    the function's finishSecret moves AWSCURRENT, and the service then records the rotation as
    done (LastRotatedDate), a moment later, as AWS does after the function returns."""
    for _ in range(300):
        d = sm.describe_secret(SecretId=secret)
        if "AWSCURRENT" in d["VersionIdsToStages"].get(token, []) and "LastRotatedDate" in d:
            return d
        time.sleep(0.1)
    pytest.fail(f"the rotation of {secret} to {token} did not finish within 30 s: {d}")


def current(sm, secret):
    return json.loads(sm.get_secret_value(SecretId=secret)["SecretString"])


def aws_cli():
    beside = os.path.join(os.path.dirname(sys.executable), "aws")
    return beside if os.path.exists(beside) else shutil.which("aws")


def test_a_postgresql_password_rotates_with_boto3_and_the_aws_cli(postgres):
    port = postgres
    admin(port, "CREATE ROLE app LOGIN PASSWORD 'first-Pass-1'")
    assert logs_in(port, "app", "first-Pass-1")
    sm = boto3.client("secretsmanager")
    value = {"engine": "postgres", "host": "127.0.0.1", "port": port, "username": "app",
             "password": "first-Pass-1", "dbname": "postgres"}
    sm.create_secret(Name="app-db", SecretString=json.dumps(value))

    started = sm.rotate_secret(SecretId="app-db", RotationLambdaARN=LAMBDA,
                               RotationRules={"AutomaticallyAfterDays": 30})
    d = wait_for_rotation(sm, "app-db", started["VersionId"])
    assert d["RotationEnabled"] is True and d["RotationLambdaARN"] == LAMBDA
    assert d["RotationRules"]["AutomaticallyAfterDays"] == 30
    assert "LastRotatedDate" in d and d["NextRotationDate"] > d["LastRotatedDate"]
    after = current(sm, "app-db")
    assert after["password"] != "first-Pass-1" and after["username"] == "app"
    previous = json.loads(sm.get_secret_value(SecretId="app-db", VersionStage="AWSPREVIOUS")["SecretString"])
    assert previous["password"] == "first-Pass-1"
    assert logs_in(port, "app", after["password"]), "the new password logs in"
    assert not logs_in(port, "app", "first-Pass-1"), "the old password no longer does"

    # Again with the AWS CLI, with the function and rules already stored.
    cli = aws_cli()
    if cli is None:
        missing("the AWS CLI")
    out = subprocess.run([cli, "secretsmanager", "rotate-secret", "--secret-id", "app-db", "--output", "json"],
                         capture_output=True, text=True, env=os.environ.copy())
    assert out.returncode == 0, out.stderr
    wait_for_rotation(sm, "app-db", json.loads(out.stdout)["VersionId"])
    again = current(sm, "app-db")
    assert again["password"] != after["password"]
    assert logs_in(port, "app", again["password"])
    assert not logs_in(port, "app", after["password"])

    cancelled = subprocess.run([cli, "secretsmanager", "cancel-rotate-secret", "--secret-id", "app-db"],
                               capture_output=True, text=True, env=os.environ.copy())
    assert cancelled.returncode == 0, cancelled.stderr
    assert sm.describe_secret(SecretId="app-db")["RotationEnabled"] is False
