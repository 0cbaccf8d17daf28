"""MCP server with multi-account AWS tools for agents on Bedrock AgentCore Runtime."""
