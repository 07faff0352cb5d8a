// DashScope's native endpoint, POST /api/v1/services/aigc/multimodal-generation/generation: one JSON
// answer, or SSE events framed as `id:N / event:result / :HTTP_STATUS/200 / data:{...}` whose text is
// the delta (incremental_output) or everything so far. The OpenAI-compatible mode is OpenAiRoutes'.
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using QwenVL.Engine;
using QwenVL.Engine.Generation;
using QwenVL.Server.Annotations;
using QwenVL.Server.Hosting;

namespace QwenVL.Server.DashScope;

/// <summary>The DashScope native route group.</summary>
internal static class DashScopeRoutes
{
    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder group = app.MapGroup("/api/v1/services/aigc");
        group.MapPost("/multimodal-generation/generation", GenerateAsync);
    }

    private static async Task<Results<Ok<DashScopeResponse>, SseResult, JsonHttpResult<DashScopeError>>> GenerateAsync(HttpContext context, ServerState state)
    {
        string requestId = Guid.NewGuid().ToString("D");
        context.Response.Headers["X-DashScope-Request-Id"] = requestId;
        GenerationRun? run = null;
        try
        {
            JsonObject body = await JsonArgs.ReadBodyAsync(context.Request, context.RequestAborted);
            DashScopeRequest request = DashScopeRequest.Parse(body, context.Request, state.Options);
            (string model, InferenceEngine engine) = state.Models.Resolve(request.Model);
            GenerationRun.Record(context).Model = model;
            run = await GenerationRun.StartAsync(context, state, engine, request.Messages, request.Options);
            if (request.Stream)
            {
                var sse = new SseResult(run, (response, r) => StreamAsync(response, r, state, request, requestId));
                run = null; // the SSE result owns it now
                return sse;
            }
            var text = new StringBuilder();
            GeneratedToken last = default;
            await foreach (GeneratedToken t in run.ReadAllAsync())
            {
                text.Append(t.Text);
                last = t;
            }
            return TypedResults.Ok(Response(request, text.ToString(), Finish(last.Finish), Usage(last), requestId,
                ResponseAnnotations.From(engine.Model.Info.ModelType, last.Stats, text.ToString())));
        }
        catch (Exception e)
        {
            ApiException a = Errors.Prepare(context, state, e);
            return TypedResults.Json(Errors.DashScope(a, requestId), ServerState.Json, statusCode: a.Status);
        }
        finally
        {
            if (run is not null)
            {
                await run.DisposeAsync();
            }
        }
    }

    private static async Task StreamAsync(HttpResponse response, GenerationRun run, ServerState state, DashScopeRequest request, string requestId)
    {
        CancellationToken ct = response.HttpContext.RequestAborted;
        var all = new StringBuilder();
        int id = 0;
        int generated = 0;
        try
        {
            await foreach (GeneratedToken t in run.ReadAllAsync())
            {
                all.Append(t.Text);
                generated += t.Id >= 0 ? 1 : 0;
                // Tokens whose text is held back (a partial UTF-8 character or possible stop string) make no event.
                if (t.Text.Length == 0 && t.Finish is null)
                {
                    continue;
                }
                string text = request.Incremental ? t.Text : all.ToString();
                DashScopeUsage usage = t.Finish is null ? new DashScopeUsage(null, generated, null) : Usage(t);
                string finish = t.Finish is null ? "null" : Finish(t.Finish);
                AnnotationsWire? annotations = t.Finish is null ? null : ResponseAnnotations.From(run.Engine.Model.Info.ModelType, t.Stats, all.ToString());
                string json = JsonSerializer.Serialize(Response(request, text, finish, usage, requestId, annotations), ServerState.Json);
                await SseResult.SendAsync(response, $"id:{++id}\nevent:result\n:HTTP_STATUS/200\ndata:{json}\n\n", ct);
            }
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            ApiException a = Errors.Prepare(response.HttpContext, state, e);
            string json = JsonSerializer.Serialize(Errors.DashScope(a, requestId), ServerState.Json);
            await SseResult.SendAsync(response,
                string.Create(CultureInfo.InvariantCulture, $"id:{++id}\nevent:error\n:HTTP_STATUS/{a.Status}\ndata:{json}\n\n"), ct);
        }
    }

    private static DashScopeResponse Response(DashScopeRequest request, string text, string finish, DashScopeUsage usage, string requestId, AnnotationsWire? annotations = null)
    {
        DashScopeOutput output = request.TextFormat
            ? new DashScopeOutput(null, text, finish)
            : new DashScopeOutput([new DashScopeChoice(finish, new DashScopeMessage("assistant", [new DashScopeText(text)]) { Annotations = annotations })], null, null);
        return new DashScopeResponse(output, usage, requestId);
    }

    private static DashScopeUsage Usage(GeneratedToken last)
    {
        GenerationStats s = last.Stats!;
        return new DashScopeUsage(s.PromptTokens, s.CompletionTokens, s.ImageTokens.Sum());
    }

    private static string Finish(FinishReason? f) => f == FinishReason.Length ? "length" : "stop";
}
