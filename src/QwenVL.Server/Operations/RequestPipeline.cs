// The middleware every request passes: timing, the per-request log line (status, model, tokens,
// durations), request metrics, the API-key check, and a last-resort handler that answers any
// escaped exception with the API's error JSON (never a stack trace). Static files and /health are
// not behind the key: a browser cannot attach a bearer token to a page load.
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using QwenVL.Server.Hosting;

namespace QwenVL.Server.Operations;

/// <summary>Logging, metrics, authentication and error containment.</summary>
internal sealed class RequestPipeline(RequestDelegate next, ServerState state)
{
    private static readonly string[] ProtectedPrefixes = ["/v1", "/api", "/compatible-mode", "/metrics"];
    private readonly byte[]? _key = state.Options.ApiKey is string k ? Encoding.UTF8.GetBytes(k) : null;

    public async Task InvokeAsync(HttpContext context)
    {
        long start = Stopwatch.GetTimestamp();
        RequestRecord record = GenerationRun.Record(context);
        try
        {
            if (_key is not null && NeedsKey(context.Request.Path) && !HasKey(context.Request))
            {
                await Errors.WriteAsync(context, state, ApiException.Unauthorized());
            }
            else
            {
                await next(context);
                if (context.Response.StatusCode is 404 or 405 && !context.Response.HasStarted && NeedsKey(context.Request.Path))
                {
                    // Unknown API paths get the API's error JSON, not an empty body.
                    await Errors.WriteAsync(context, state, new ApiException(context.Response.StatusCode,
                        $"{context.Request.Method} {context.Request.Path} is not an endpoint of this server", code: "not_found", dashScopeCode: "NotFound"));
                }
            }
        }
        catch (Exception e)
        {
            await Errors.WriteAsync(context, state, e);
        }
        finally
        {
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            int status = context.Response.StatusCode;
            string route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? (status == 404 ? "unmatched" : "static");
            state.Metrics.RecordRequest(route, status, seconds);
            state.Logger.LogInformation(
                "{Method} {Path} {Status} {DurationMs} ms model={Model} prompt_tokens={PromptTokens} image_tokens={ImageTokens} completion_tokens={CompletionTokens} ttft_ms={TtftMs} finish={Finish} error={Error}",
                context.Request.Method, context.Request.Path.Value, status, Math.Round(seconds * 1000, 1), record.Model ?? "-", Dash(record.PromptTokens),
                Dash(record.ImageTokens), Dash(record.CompletionTokens), Dash(record.TimeToFirstTokenMs), record.Finish ?? "-", record.Error ?? "-");
        }
    }

    // "-" for a value the request never had (no generation), so log lines stay aligned and grep-able.
    private static object Dash<T>(T? value) where T : struct => value is T v ? v : "-";

    private static bool NeedsKey(PathString path) => ProtectedPrefixes.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));

    private bool HasKey(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        const string Bearer = "Bearer ";
        if (header is null || !header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        byte[] given = Encoding.UTF8.GetBytes(header[Bearer.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(given, _key);
    }
}
