// OpenAI's chat-completions API: POST /v1/chat/completions (plain or SSE streaming) and GET
// /v1/models, also mounted under /compatible-mode/v1 as DashScope's OpenAI-compatible mode. Parsing
// lives in ChatRequest, admission and engine start in GenerationRun; this file only shapes answers.
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

namespace QwenVL.Server.OpenAi;

/// <summary>The OpenAI route group.</summary>
internal static class OpenAiRoutes
{
    public static void Map(IEndpointRouteBuilder app)
    {
        foreach (string prefix in (string[])["/v1", "/compatible-mode/v1"])
        {
            RouteGroupBuilder group = app.MapGroup(prefix);
            group.MapPost("/chat/completions", CompleteAsync);
            group.MapGet("/models", ListModels);
        }
    }

    private static Ok<ModelList> ListModels(ServerState state) =>
        TypedResults.Ok(new ModelList("list", [.. state.Models.Names.Select(n => new ModelCard(n, "model", state.Started, "qwenvl"))]));

    private static async Task<Results<Ok<ChatCompletion>, SseResult, JsonHttpResult<OpenAiErrorResponse>>> CompleteAsync(HttpContext context, ServerState state)
    {
        GenerationRun? run = null;
        try
        {
            JsonObject body = await JsonArgs.ReadBodyAsync(context.Request, context.RequestAborted);
            ChatRequest request = ChatRequest.Parse(body, state.Options);
            (string model, InferenceEngine engine) = state.Models.Resolve(request.Model);
            GenerationRun.Record(context).Model = model;
            run = await GenerationRun.StartAsync(context, state, engine, request.Messages, request.Options);
            var head = new Head("chatcmpl-" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model);
            if (request.Stream)
            {
                var sse = new SseResult(run, (response, r) => StreamAsync(response, r, state, request, head));
                run = null; // the SSE result owns it now
                return sse;
            }
            return TypedResults.Ok(await CollectAsync(run, request, head));
        }
        catch (Exception e)
        {
            ApiException a = Errors.Prepare(context, state, e);
            return TypedResults.Json(Errors.OpenAi(a), ServerState.Json, statusCode: a.Status);
        }
        finally
        {
            if (run is not null)
            {
                await run.DisposeAsync();
            }
        }
    }

    private static async Task<ChatCompletion> CollectAsync(GenerationRun run, ChatRequest request, Head head)
    {
        var text = new StringBuilder();
        List<TokenLogprob>? logprobs = request.Logprobs ? [] : null;
        GeneratedToken last = default;
        await foreach (GeneratedToken t in run.ReadAllAsync())
        {
            text.Append(t.Text);
            if (logprobs is not null && Logprob(run.Engine, t) is TokenLogprob lp)
            {
                logprobs.Add(lp);
            }
            last = t;
        }
        var message = new AssistantMessage("assistant", text.ToString()) { Annotations = ResponseAnnotations.From(run.Engine.Model.Info.ModelType, last.Stats, text.ToString()) };
        var choice = new ChatChoice(0, message, logprobs is null ? null : new ChoiceLogprobs(logprobs), Finish(last.Finish));
        return new ChatCompletion(head.Id, "chat.completion", head.Created, head.Model, [choice], Usage(last.Stats!));
    }

    private static async Task StreamAsync(HttpResponse response, GenerationRun run, ServerState state, ChatRequest request, Head head)
    {
        CancellationToken ct = response.HttpContext.RequestAborted;
        await SendAsync(response, head.Chunk(new ChunkDelta("assistant", ""), null, null), ct);
        var all = new StringBuilder();
        try
        {
            await foreach (GeneratedToken t in run.ReadAllAsync())
            {
                all.Append(t.Text);
                TokenLogprob? lp = request.Logprobs ? Logprob(run.Engine, t) : null;
                if (t.Text.Length > 0 || lp is not null)
                {
                    await SendAsync(response, head.Chunk(new ChunkDelta(null, t.Text), lp is null ? null : new ChoiceLogprobs([lp]), null), ct);
                }
                if (t.Finish is FinishReason finish)
                {
                    var last = new ChunkDelta(null, null) { Annotations = ResponseAnnotations.From(run.Engine.Model.Info.ModelType, t.Stats, all.ToString()) };
                    await SendAsync(response, head.Chunk(last, null, Finish(finish)), ct);
                    if (request.IncludeUsage)
                    {
                        await SendAsync(response, new ChatChunk(head.Id, "chat.completion.chunk", head.Created, head.Model, [], Usage(t.Stats!)), ct);
                    }
                }
            }
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // Headers are gone: report a timeout, shutdown or fault in-band, as OpenAI does.
            ApiException a = Errors.Prepare(response.HttpContext, state, e);
            await SseResult.SendAsync(response, "data: " + JsonSerializer.Serialize(Errors.OpenAi(a), ServerState.Json) + "\n\n", ct);
        }
        await SseResult.SendAsync(response, "data: [DONE]\n\n", ct);
    }

    private static Task SendAsync(HttpResponse response, ChatChunk chunk, CancellationToken ct) =>
        SseResult.SendAsync(response, "data: " + JsonSerializer.Serialize(chunk, ServerState.Json) + "\n\n", ct);

    private static TokenLogprob? Logprob(InferenceEngine engine, GeneratedToken t)
    {
        // The end-of-turn token is not part of the answer, so it has no logprob entry.
        if (t.Logprobs is not TokenLogprobs lp || t.Id < 0 || (t.Finish == FinishReason.Stop && engine.Model.StopTokenIds.Contains(t.Id)))
        {
            return null;
        }
        return TokenText.Entry(engine.Model.Tokenizer, t.Id, lp);
    }

    private static ChatUsage Usage(GenerationStats s)
    {
        int image = s.ImageTokens.Sum();
        return new ChatUsage(s.PromptTokens, s.CompletionTokens, s.PromptTokens + s.CompletionTokens, new PromptTokensDetails(0, image))
        {
            Extension = new UsageExtension([.. s.ImageSizes.Select((z, i) => new ImageUsage(z.Width, z.Height, z.ResizedWidth, z.ResizedHeight, s.ImageTokens[i]))],
                Math.Round(s.TimeToFirstTokenMs, 1), Math.Round(s.DecodeTokensPerSecond, 2)),
        };
    }

    private static string Finish(FinishReason? f) => f == FinishReason.Length ? "length" : "stop";

    private sealed record Head(string Id, long Created, string Model)
    {
        public ChatChunk Chunk(ChunkDelta delta, ChoiceLogprobs? logprobs, string? finish) =>
            new(Id, "chat.completion.chunk", Created, Model, [new ChunkChoice(0, delta, logprobs, finish)], null);
    }
}
