// Sends eval prompts to an OpenAI-compatible /v1/chat/completions endpoint (this engine's server,
// vLLM, DashScope compatible mode): images as data: URLs with Qwen's min_pixels/max_pixels siblings,
// greedy decoding. Retries 429/5xx with bounded exponential backoff (a refused connection only once).
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QwenVL.Eval.Running;

/// <summary><see cref="IEvalModel"/> over HTTP.</summary>
public sealed class OpenAiEndpointModel : IEvalModel, IDisposable
{
    readonly HttpClient _http;
    readonly Uri _url;
    readonly string? _model;
    readonly int _maxRetries;
    readonly TimeSpan _baseDelay;

    /// <summary>Creates a client. <paramref name="endpoint"/> may be the server root, ".../v1" or the full chat URL.</summary>
    /// <param name="endpoint">Base URL.</param>
    /// <param name="apiKey">Bearer token, or null.</param>
    /// <param name="model">The "model" field, or null to let the server choose.</param>
    /// <param name="requestTimeout">Per-attempt timeout (default 10 minutes: long answers on CPU are slow).</param>
    /// <param name="maxRetries">Retries after the first attempt (default 4).</param>
    /// <param name="baseDelay">First backoff delay, doubled each retry (default 1 s).</param>
    public OpenAiEndpointModel(string endpoint, string? apiKey, string? model, TimeSpan? requestTimeout = null, int maxRetries = 4, TimeSpan? baseDelay = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out Uri? root) || root.Scheme is not ("http" or "https"))
            throw new EvalModelException($"--endpoint: '{endpoint}' is not an http(s) URL");
        string path = root.AbsolutePath.TrimEnd('/');
        string chat = path.EndsWith("/chat/completions", StringComparison.Ordinal) ? path
            : path.EndsWith("/v1", StringComparison.Ordinal) ? path + "/chat/completions" : path + "/v1/chat/completions";
        _url = new UriBuilder(root) { Path = chat }.Uri;
        _model = model;
        _maxRetries = maxRetries;
        _baseDelay = baseDelay ?? TimeSpan.FromSeconds(1);
        _http = new HttpClient { Timeout = requestTimeout ?? TimeSpan.FromMinutes(10) };
        if (apiKey is not null) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        Name = model is null ? _url.ToString() : $"{model} @ {_url}";
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The chat completions URL requests go to.</summary>
    public Uri Url => _url;

    /// <inheritdoc/>
    public async Task<EvalReply> AnswerAsync(EvalRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string body = BuildBody(request);
        for (int attempt = 0; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            string failure;
            try
            {
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                using HttpResponseMessage resp = await _http.PostAsync(_url, content, cancellationToken).ConfigureAwait(false);
                string text = await resp.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (resp.IsSuccessStatusCode) return new EvalReply(ParseAnswer(text));
                failure = $"HTTP {(int)resp.StatusCode} from {_url}: {Truncate(text)}";
                bool retryable = resp.StatusCode == HttpStatusCode.TooManyRequests || (int)resp.StatusCode >= 500;
                if (!retryable) throw new EvalModelException(failure);
                retryAfter = resp.Headers.RetryAfter?.Delta;
            }
            catch (HttpRequestException e)
            {
                failure = $"cannot reach {_url}: {e.Message}";
                // Nothing listening is rarely fixed by waiting: one retry (a server still starting), then give up.
                if (e.StatusCode is null && attempt >= Math.Min(_maxRetries, 1)) throw new EvalModelException($"{failure} (gave up after {attempt + 1} attempts)");
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failure = $"{_url} did not answer within {_http.Timeout.TotalSeconds:F0} s";
            }
            if (attempt >= _maxRetries) throw new EvalModelException($"{failure} (gave up after {attempt + 1} attempts)");
            // Exponential backoff, capped at 30 s; a server's Retry-After wins when it asks for longer.
            TimeSpan delay = TimeSpan.FromTicks(Math.Min(_baseDelay.Ticks << attempt, TimeSpan.FromSeconds(30).Ticks));
            if (retryAfter is { } ra && ra > delay) delay = ra < TimeSpan.FromSeconds(30) ? ra : TimeSpan.FromSeconds(30);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    string BuildBody(EvalRequest request)
    {
        var content = new JsonArray();
        foreach (var p in request.Prompt.Parts)
        {
            if (!p.IsImage) { content.Add(new JsonObject { ["type"] = "text", ["text"] = p.Text }); continue; }
            byte[] bytes = request.Images[p.ImageIndex];
            content.Add(new JsonObject
            {
                ["type"] = "image_url",
                ["image_url"] = new JsonObject { ["url"] = $"data:{Mime(bytes)};base64,{Convert.ToBase64String(bytes)}" },
                // Qwen's per-image extension (qwen-vl-utils); honoured by this engine's server and by vLLM's Qwen processor.
                ["min_pixels"] = request.Pixels.Min,
                ["max_pixels"] = request.Pixels.Max,
            });
        }
        var messages = new JsonArray();
        if (request.Prompt.System is { } system) messages.Add(new JsonObject { ["role"] = "system", ["content"] = system });
        messages.Add(new JsonObject { ["role"] = "user", ["content"] = content });
        var root = new JsonObject
        {
            ["messages"] = messages,
            ["max_tokens"] = request.Decoding.MaxTokens,
            ["temperature"] = request.Decoding.Temperature,
            ["stream"] = false,
        };
        if (_model is not null) root["model"] = _model;
        if (request.Decoding.RepetitionPenalty is { } rp) root["repetition_penalty"] = rp;
        return root.ToJsonString();
    }

    string ParseAnswer(string json)
    {
        try
        {
            JsonNode? node = JsonNode.Parse(json)?["choices"]?[0]?["message"]?["content"];
            return node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>()
                : throw new EvalModelException($"{_url}: response has no choices[0].message.content string: {Truncate(json)}");
        }
        catch (JsonException e) { throw new EvalModelException($"{_url}: response is not JSON ({e.Message}): {Truncate(json)}"); }
    }

    static string Mime(byte[] b) =>
        b.Length >= 4 && b[0] == 0x89 && b[1] == 'P' ? "image/png"
        : b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 ? "image/jpeg"
        : b.Length >= 4 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' ? "image/gif"
        : b.Length >= 12 && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P' ? "image/webp"
        : b.Length >= 2 && b[0] == 'B' && b[1] == 'M' ? "image/bmp"
        : "application/octet-stream";

    static string Truncate(string s) => s.Length <= 300 ? s : s[..300] + "...";

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();
}
