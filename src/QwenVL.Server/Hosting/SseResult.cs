// A streaming text/event-stream response whose events are written by a callback: OpenAI's
// `data: {...}` + `data: [DONE]` and DashScope's `id:/event:/:HTTP_STATUS/200/data:` framing differ
// enough that each route formats its own lines. This type only sets headers, turns off response
// buffering, flushes each event and disposes the generation (freeing its slot) however it ends.
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace QwenVL.Server.Hosting;

/// <summary>An SSE response produced by <c>write</c>; owns <c>run</c>.</summary>
internal sealed class SseResult(GenerationRun run, Func<HttpResponse, GenerationRun, Task> write) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        await using (run.ConfigureAwait(false))
        {
            HttpResponse response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/event-stream; charset=utf-8";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no"; // tell reverse proxies not to hold events back
            httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            try
            {
                await write(response, run).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException && httpContext.RequestAborted.IsCancellationRequested)
            {
                // The client went away mid-stream: disposing the run cancels the generation and frees the slot.
                GenerationRun.Record(httpContext).Error = "client disconnected";
            }
        }
    }

    /// <summary>Writes one event's text and flushes it to the client.</summary>
    public static async Task SendAsync(HttpResponse response, string text, CancellationToken cancellationToken)
    {
        await response.WriteAsync(text, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
