// `qwenvl run`: answer one request. The prompt comes from --prompt (+ --image, --system) or from an
// OpenAI-style --messages JSON file whose image URLs are paths relative to it, absolute paths or
// data: URLs. Streams the answer to stdout, or prints one JSON object with --json.
using System.CommandLine;
using System.Text.Json;
using QwenVL.Engine;
using QwenVL.Engine.Conversations;
using QwenVL.Engine.Generation;
using QwenVL.Models;

namespace QwenVL.Cli.Commands;

/// <summary>The run command.</summary>
public static class RunCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        Option<string> model = CommonOptions.Model();
        var images = new Option<string[]>("--image", "-i") { Description = "image file (repeatable; placed before the prompt text)" };
        var system = new Option<string?>("--system") { Description = "system prompt (default: the template's)" };
        var prompt = new Option<string?>("--prompt", "-p") { Description = "user text" };
        var messages = new Option<string?>("--messages") { Description = "OpenAI-style messages JSON file" };
        var maxTokens = new Option<int>("--max-tokens") { Description = "most new tokens", DefaultValueFactory = _ => 512 };
        var temperature = new Option<float?>("--temperature") { Description = "0 = greedy (default: generation_config.json)" };
        var topP = new Option<float?>("--top-p") { Description = "nucleus sampling mass" };
        var topK = new Option<int?>("--top-k") { Description = "keep the k most likely tokens (0 = off)" };
        var penalty = new Option<float?>("--repetition-penalty") { Description = "1 = off" };
        var seed = new Option<int?>("--seed") { Description = "random seed" };
        var stop = new Option<string[]>("--stop") { Description = "stop string (repeatable)" };
        var minPixels = new Option<long?>("--min-pixels") { Description = "smallest resized image area" };
        var maxPixels = new Option<long?>("--max-pixels") { Description = "largest resized image area" };
        var jsonSchema = new Option<string?>("--json-schema") { Description = "JSON Schema file: the reply is JSON valid against it (constrained decoding)" };
        var jsonObject = new Option<bool>("--json-object") { Description = "the reply is any JSON object (constrained decoding)" };
        Option<bool> json = CommonOptions.Json("print one JSON object: text, token_ids, prompt_tokens, image_tokens, finish_reason, timings");
        Option<int> threads = CommonOptions.Threads();
        Option<string> backend = CommonOptions.Backend();
        var command = new Command("run", "answer a question about images (streams to stdout)")
        {
            model, images, system, prompt, messages, maxTokens, temperature, topP, topK, penalty, seed, stop, minPixels, maxPixels, json, threads, backend, jsonSchema, jsonObject,
        };
        command.SetAction((p, ct) => CliErrors.Guard(async () =>
        {
            Conversation conversation = BuildConversation(p.GetValue(messages), p.GetValue(prompt), p.GetValue(system), p.GetValue(images) ?? []);
            var options = new GenerationOptions
            {
                MaxTokens = p.GetValue(maxTokens),
                Temperature = p.GetValue(temperature),
                TopP = p.GetValue(topP),
                TopK = p.GetValue(topK),
                RepetitionPenalty = p.GetValue(penalty),
                Seed = p.GetValue(seed),
                Stop = p.GetValue(stop) ?? [],
                MinPixels = p.GetValue(minPixels),
                MaxPixels = p.GetValue(maxPixels),
                ResponseFormat = ResponseFormat(p.GetValue(jsonSchema), p.GetValue(jsonObject)),
            };
            options.Validate();
            using InferenceEngine engine = InferenceEngine.Load(await HubCommands.ResolveFolderAsync(p, p.GetValue(model)!, ct),
                new ModelLoadOptions { Threads = p.GetValue(threads), Backend = p.GetValue(backend)! });
            return p.GetValue(json) ? await RunJson(engine, conversation, options, ct) : await RunStreaming(engine, conversation, options, ct);
        }));
        return command;
    }

    /// <summary>--json-schema FILE or --json-object (not both); null when neither.</summary>
    private static Engine.Constraints.JsonResponseFormat? ResponseFormat(string? schemaFile, bool jsonObject)
    {
        if (schemaFile is null)
        {
            return jsonObject ? Engine.Constraints.JsonResponseFormat.JsonObject : null;
        }
        if (jsonObject)
        {
            throw new CliUsageException("use either --json-schema FILE or --json-object, not both");
        }
        if (!File.Exists(schemaFile))
        {
            throw new CliUsageException($"--json-schema: file not found: {schemaFile}");
        }
        return Engine.Constraints.JsonResponseFormat.FromSchemaText(File.ReadAllText(schemaFile), schemaFile, Path.GetFileNameWithoutExtension(schemaFile));
    }

    /// <summary>Conversation from either a messages file or --prompt/--image/--system.</summary>
    public static Conversation BuildConversation(string? messagesFile, string? prompt, string? system, string[] images)
    {
        if (messagesFile is not null)
        {
            if (prompt is not null || images.Length > 0 || system is not null)
            {
                throw new CliUsageException("use either --messages or --prompt/--image/--system, not both");
            }
            if (!File.Exists(messagesFile))
            {
                throw new CliUsageException($"messages file not found: {messagesFile}");
            }
            string dir = Path.GetDirectoryName(Path.GetFullPath(messagesFile))!;
            return MessageParser.Parse(File.ReadAllText(messagesFile), LocalImageResolver.Create(dir), messagesFile);
        }
        if (prompt is null && images.Length == 0)
        {
            throw new CliUsageException("give --prompt (and optionally --image) or --messages FILE");
        }
        var parts = new List<ContentPart>();
        parts.AddRange(images.Select(i => (ContentPart)new ImagePart(ImageInput.FromFile(i, "--image"))));
        if (prompt is not null)
        {
            parts.Add(new TextPart(prompt));
        }
        var list = new List<ChatMessage>();
        if (system is not null)
        {
            list.Add(ChatMessage.FromText("system", system));
        }
        list.Add(new ChatMessage("user", parts));
        return new Conversation(list);
    }

    private static async Task<int> RunStreaming(InferenceEngine engine, Conversation conversation, GenerationOptions options, CancellationToken ct)
    {
        Stream stdout = Console.OpenStandardOutput();
        await using var writer = new StreamWriter(stdout, new System.Text.UTF8Encoding(false)) { AutoFlush = true };
        await foreach (GeneratedToken t in engine.GenerateAsync(conversation, options, ct))
        {
            await writer.WriteAsync(t.Text);
        }
        await writer.WriteLineAsync();
        return 0;
    }

    private static async Task<int> RunJson(InferenceEngine engine, Conversation conversation, GenerationOptions options, CancellationToken ct)
    {
        GenerationResult r = await engine.CompleteAsync(conversation, options, ct);
        GenerationStats s = r.Stats;
        var payload = new Dictionary<string, object?>
        {
            ["text"] = r.Text,
            ["token_ids"] = r.TokenIds,
            ["prompt_tokens"] = s.PromptTokens,
            ["completion_tokens"] = s.CompletionTokens,
            ["image_tokens"] = s.ImageTokens,
            ["images"] = s.ImageSizes.Select(i => new { width = i.Width, height = i.Height, resized_width = i.ResizedWidth, resized_height = i.ResizedHeight }),
            ["finish_reason"] = r.FinishReason switch { FinishReason.Stop => "stop", FinishReason.Length => "length", _ => "cancelled" },
            ["model"] = engine.Model.Info.ModelType,
            ["timings"] = new Dictionary<string, double>
            {
                ["load_ms"] = Math.Round(engine.LoadTime.TotalMilliseconds, 3),
                ["preprocess_ms"] = Math.Round(s.PreprocessMs, 3),
                ["image_encode_ms"] = Math.Round(s.VisionMs, 3),
                ["prefill_ms"] = Math.Round(s.PrefillMs, 3),
                ["ttft_ms"] = Math.Round(s.TimeToFirstTokenMs, 3),
                ["decode_ms"] = Math.Round(s.DecodeMs, 3),
                ["prefill_tokens_per_s"] = Math.Round(s.PrefillTokensPerSecond, 3),
                ["decode_tokens_per_s"] = Math.Round(s.DecodeTokensPerSecond, 3),
            },
        };
        Console.Out.WriteLine(JsonSerializer.Serialize(payload, CliJson.Options));
        return 0;
    }
}
