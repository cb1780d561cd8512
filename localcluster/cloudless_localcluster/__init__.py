"""The one-machine cluster: a real Kubernetes control plane built from pinned Go modules, and a
node agent that plays the kubelet for pods whose containers are the project's own programs."""
