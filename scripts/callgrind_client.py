"""The client side of the callgrind cost scripts (quota-cost.sh, secret-cost.sh, param-cost.sh, verify-cost.sh).

Imported by the Python they run through `callgrind_client` (scripts/callgrind-server.sh), which
puts the server's endpoint, its credentials file, its pid and the number of requests in the
environment: boto3 clients of that server, and the measured series of calls.
"""
import configparser
import os
import subprocess

import boto3

# Calls made before each series is measured: caches, quota buckets, the connection.
WARM_UP = 200


def clients(*services):
    """One boto3 client per service name, signed with the first profile of the server's
    credentials file."""
    creds = configparser.ConfigParser()
    creds.read(os.environ["TRENT_CREDENTIALS"])
    profile = creds[creds.sections()[0]]
    args = dict(endpoint_url=os.environ["TRENT_ENDPOINT"], region_name="us-east-1",
                aws_access_key_id=profile["aws_access_key_id"],
                aws_secret_access_key=profile["aws_secret_access_key"])
    return [boto3.client(service, **args) for service in services]


def measure(calls):
    """For each (name, call) in order: WARM_UP calls, callgrind's counters zeroed, the
    environment's TRENT_REQUESTS sequential calls, and the counters dumped under NAME."""
    pid, n = os.environ["TRENT_PID"], int(os.environ["TRENT_REQUESTS"])
    for name, call in calls.items():
        for _ in range(WARM_UP):
            call()
        subprocess.run(["callgrind_control", "-z", pid], check=True, stdout=subprocess.DEVNULL)
        for _ in range(n):
            call()
        subprocess.run(["callgrind_control", "-d", name, pid], check=True, stdout=subprocess.DEVNULL)
