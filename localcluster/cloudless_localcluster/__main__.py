"""`python -m cloudless_localcluster up|down|status|kubeconfig`: `cloudless cluster` without the root command.

Lets scripts and tests drive the cluster with only this package installed.
"""

from .cli import cluster

if __name__ == "__main__":
    cluster(prog_name="cloudless cluster")
