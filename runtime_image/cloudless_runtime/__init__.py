"""cloudless runtime: the peer's AIR engine, Marine-style Wasm host, router and client."""
