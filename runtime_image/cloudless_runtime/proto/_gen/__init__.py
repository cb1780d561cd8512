"""Generated from proto/cloudless/v1/ by cloudless_runtime.proto.generate. DO NOT EDIT."""
