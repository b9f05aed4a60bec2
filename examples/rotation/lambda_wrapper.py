"""Run a Secrets Manager rotation function written for AWS Lambda as a Trent command function.

Trent starts the command with the event {"SecretId", "ClientRequestToken", "Step"} on stdin and
AWS_ENDPOINT_URL, SECRETS_MANAGER_ENDPOINT, AWS_REGION and temporary credentials in the
environment, so boto3 inside the handler talks to Trent unchanged.

    command = ["python3", "/opt/rotators/lambda_wrapper.py", "/opt/rotators/my_rotator"]

runs lambda_function.lambda_handler from /opt/rotators/my_rotator (a third argument names
another module). A raised exception exits non-zero, which fails the step.
"""

import importlib
import json
import sys

sys.path.insert(0, sys.argv[1])
handler = importlib.import_module(sys.argv[2] if len(sys.argv) > 2 else "lambda_function")
handler.lambda_handler(json.load(sys.stdin), None)
