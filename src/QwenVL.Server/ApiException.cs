// One error type for every front door: an HTTP status, a message meant for the client, the request
// field at fault, and the codes OpenAI and DashScope clients look for. From() maps the engine's
// exceptions; anything unexpected becomes a 500 whose message never carries a stack trace.
using Microsoft.AspNetCore.Http;
using QwenVL.Engine;
using QwenVL.Imaging;

namespace QwenVL.Server;

/// <summary>An error answered to the client.</summary>
public sealed class ApiException(int status, string message, string? param = null, string type = "invalid_request_error",
    string? code = null, string dashScopeCode = "InvalidParameter", Exception? inner = null) : Exception(message, inner)
{
    /// <summary>HTTP status.</summary>
    public int Status { get; } = status;

    /// <summary>The request field at fault (OpenAI's <c>param</c>).</summary>
    public string? Param { get; } = param;

    /// <summary>OpenAI error <c>type</c>.</summary>
    public string Type { get; } = type;

    /// <summary>OpenAI error <c>code</c>.</summary>
    public string? Code { get; } = code;

    /// <summary>DashScope error <c>code</c>.</summary>
    public string DashScopeCode { get; } = dashScopeCode;

    /// <summary>Seconds a client should wait before retrying (429, 503).</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>400 naming <paramref name="param"/>.</summary>
    public static ApiException BadRequest(string message, string? param, string? code = null) => new(400, message, param, code: code);

    /// <summary>400 for a parameter this server does not implement.</summary>
    public static ApiException Unsupported(string param, string what) =>
        new(400, $"{param}: {what} is not supported by this server", param, code: "unsupported_parameter");

    /// <summary>404 listing the names that exist.</summary>
    public static ApiException ModelNotFound(string name, IEnumerable<string> available) =>
        new(404, $"The model '{name}' does not exist. Available models: {string.Join(", ", available)}", "model",
            code: "model_not_found", dashScopeCode: "ModelNotFound");

    /// <summary>429 when every slot and queue place is taken.</summary>
    public static ApiException QueueFull() =>
        new(429, "The server is at capacity (all generation slots and queue places are taken); retry later.", null,
            "rate_limit_error", "rate_limit_exceeded", "Throttling") { RetryAfterSeconds = 1 };

    /// <summary>401 for a missing or wrong API key.</summary>
    public static ApiException Unauthorized() =>
        new(401, "Missing or invalid API key: send 'Authorization: Bearer <key>'.", null, "invalid_request_error", "invalid_api_key", "InvalidApiKey");

    /// <summary>504 after the per-request timeout.</summary>
    public static ApiException Timeout(TimeSpan limit) =>
        new(504, $"The request did not finish within {limit.TotalSeconds:0.###} s and was cancelled.", null, "timeout_error", "timeout", "RequestTimeOut");

    /// <summary>503 while the server shuts down.</summary>
    public static ApiException ShuttingDown() =>
        new(503, "The server is shutting down.", null, "server_error", "service_unavailable", "ServiceUnavailable") { RetryAfterSeconds = 5 };

    /// <summary>Maps any exception to what the client is told. Unknown exceptions become a bare 500.</summary>
    public static ApiException From(Exception e) => e switch
    {
        ApiException a => a,
        EngineException x when x.Message.Contains("context is", StringComparison.Ordinal) =>
            new(400, x.Message, RequestField(x.Field), code: "context_length_exceeded", inner: x),
        EngineException x => new(400, x.Message, RequestField(x.Field), inner: x),
        ImageException x => new(400, x.Message, "messages", inner: x),
        BadHttpRequestException x => new(x.StatusCode, x.StatusCode == StatusCodes.Status413PayloadTooLarge
            ? "The request body is larger than the server accepts." : $"Bad request: {x.Message}", inner: x),
        ObjectDisposedException => ShuttingDown(),
        _ => new(500, "Internal server error; the server log has the details.", null, "server_error", "internal_error", "InternalError", e),
    };

    // The engine names an image "image 0 (messages[0].content[1].image_url)"; the request field is the part in parentheses.
    private static string? RequestField(string? field) =>
        field is not null && field.StartsWith("image ", StringComparison.Ordinal) && field.EndsWith(')') && field.IndexOf('(') is int open and > 0
            ? field[(open + 1)..^1]
            : field;
}
