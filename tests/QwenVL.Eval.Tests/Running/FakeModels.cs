// Test doubles for IEvalModel: canned answers chosen from the prompt text, a log of what was asked,
// optional failures, and a gate that holds calls until N are in flight (to prove concurrency
// without timing asserts). Also a minimal OpenAI-compatible server on 127.0.0.1 (HttpListener).
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using QwenVL.Eval.Running;

namespace QwenVL.Eval.Tests.Running;

public sealed class FakeModel(Func<string, string> answer) : IEvalModel
{
    int _inFlight;
    public string Name { get; init; } = "fake";
    public ConcurrentQueue<EvalRequest> Requests { get; } = new();
    public Func<string, Exception?> Fail { get; init; } = _ => null;
    public int HoldUntilInFlight { get; init; } = 1;
    public int MaxInFlight { get; private set; }

    public async Task<EvalReply> AnswerAsync(EvalRequest request, CancellationToken cancellationToken)
    {
        Requests.Enqueue(request);
        int now = Interlocked.Increment(ref _inFlight);
        lock (this) MaxInFlight = Math.Max(MaxInFlight, now);
        try
        {
            // Wait (bounded: 10 s) until enough calls overlap; a serial runner never gets there.
            for (int i = 0; i < 1000 && Volatile.Read(ref _inFlight) < HoldUntilInFlight && MaxInFlight < HoldUntilInFlight; i++)
                await Task.Delay(10, cancellationToken);
            if (Fail(request.Prompt.Text) is { } e) throw e;
            return new EvalReply(answer(request.Prompt.Text));
        }
        finally { Interlocked.Decrement(ref _inFlight); }
    }
}

/// <summary>OpenAI-compatible chat endpoint answering from a function; records request bodies.</summary>
public sealed class FakeOpenAiServer : IDisposable
{
    readonly HttpListener _listener = new();
    readonly Task _loop;
    readonly Func<JsonObject, string> _answer;
    int _failuresLeft;

    public FakeOpenAiServer(Func<JsonObject, string> answer, int failFirst = 0, HttpStatusCode failWith = HttpStatusCode.ServiceUnavailable)
    {
        _answer = answer;
        _failuresLeft = failFirst;
        FailWith = failWith;
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(Loop);
    }

    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";
    public HttpStatusCode FailWith { get; }
    public ConcurrentQueue<JsonObject> Bodies { get; } = new();
    public ConcurrentQueue<string> Paths { get; } = new();
    public ConcurrentQueue<string?> Authorizations { get; } = new();

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    async Task Loop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            using var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
            var body = JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject();
            Paths.Enqueue(ctx.Request.Url!.AbsolutePath);
            Authorizations.Enqueue(ctx.Request.Headers["Authorization"]);
            string reply;
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                ctx.Response.StatusCode = (int)FailWith;
                reply = "{\"error\":{\"message\":\"busy\"}}";
            }
            else
            {
                Bodies.Enqueue(body);
                reply = new JsonObject
                {
                    ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = _answer(body) } }),
                }.ToJsonString();
            }
            byte[] bytes = Encoding.UTF8.GetBytes(reply);
            ctx.Response.ContentType = "application/json";
            await ctx.Response.OutputStream.WriteAsync(bytes);
            ctx.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
