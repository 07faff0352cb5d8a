// Turning any failure into the client's error body: which API shape (OpenAI or DashScope) a path
// speaks, the Retry-After header, the log line for server faults (with the exception, which the
// client never sees) and the request record's error text.
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using QwenVL.Server.DashScope;
using QwenVL.Server.OpenAi;

namespace QwenVL.Server.Hosting;

/// <summary>Error mapping shared by routes and middleware.</summary>
internal static class Errors
{
    /// <summary>Status logged for a client that closed the connection (nginx's convention).</summary>
    public const int ClientClosed = 499;

    /// <summary>Maps <paramref name="e"/>, logs server faults, sets Retry-After and records the error.</summary>
    public static ApiException Prepare(HttpContext context, ServerState state, Exception e)
    {
        ApiException a = e is OperationCanceledException && context.RequestAborted.IsCancellationRequested
            ? new ApiException(ClientClosed, "The client closed the connection.", code: "client_closed")
            : ApiException.From(e);
        if (a.Status >= 500 && e is not ApiException)
        {
            // An unexpected fault: the exception (with its stack) goes to the log, never to the client.
            state.Logger.LogError(e, "{Method} {Path} failed: {Message}", context.Request.Method, context.Request.Path, e.Message);
        }
        else if (a.Status >= 500)
        {
            // A 5xx the server chose (model not ready yet, overloaded): one line, no stack trace.
            state.Logger.LogWarning("{Method} {Path} answered {Status}: {Message}", context.Request.Method, context.Request.Path, a.Status, a.Message);
        }
        GenerationRun.Record(context).Error = a.Message;
        if (a.RetryAfterSeconds is int s && !context.Response.HasStarted)
        {
            context.Response.Headers.RetryAfter = s.ToString(CultureInfo.InvariantCulture);
        }
        return a;
    }

    /// <summary>True for paths answered in DashScope's native shapes.</summary>
    public static bool IsDashScope(PathString path) => path.StartsWithSegments("/api/v1", StringComparison.OrdinalIgnoreCase);

    public static OpenAiErrorResponse OpenAi(ApiException a) => new(new OpenAiError(a.Message, a.Type, a.Param, a.Code));

    public static DashScopeError DashScope(ApiException a, string requestId) => new(a.DashScopeCode, a.Message, requestId);

    /// <summary>Writes the error for middleware (outside any endpoint), in the shape the path speaks.</summary>
    public static async Task WriteAsync(HttpContext context, ServerState state, Exception e)
    {
        ApiException a = Prepare(context, state, e);
        if (context.Response.HasStarted || a.Status == ClientClosed)
        {
            return;
        }
        context.Response.StatusCode = a.Status;
        context.Response.ContentType = "application/json; charset=utf-8";
        string json = IsDashScope(context.Request.Path)
            ? JsonSerializer.Serialize(DashScope(a, context.TraceIdentifier), ServerState.Json)
            : JsonSerializer.Serialize(OpenAi(a), ServerState.Json);
        await context.Response.WriteAsync(json, context.RequestAborted).ConfigureAwait(false);
    }
}
