"""Run the operator: `python -m cloudless_operator` (KUBECONFIG or in-cluster credentials; CLOUDLESS_* settings)."""

from cloudless_operator.handlers import run

run.main()
