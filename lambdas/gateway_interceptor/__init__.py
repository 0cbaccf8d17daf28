"""The AgentCore Gateway REQUEST interceptor: verified caller in, signed caller assertion out."""
