// `qwenvl run --json-schema FILE` / `--json-object` end to end on the tiny random checkpoint: the reply
// parses and holds the schema's required, bounded values; an unsupported schema exits 2 with one line
// listing each keyword's JSON path; a missing file or both flags exit 2. No network, one process per test.
using System.Text.Json;
using System.Text.Json.Nodes;
using QwenVL.Testing;

namespace QwenVL.Cli.Tests;

public sealed class JsonSchemaTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("qwenvl-json-schema-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Run_JsonSchema_PrintsValidJsonAndStops()
    {
        // At most {"n":-9,"ok":false} plus 2 whitespace bytes per gap: well under 60 tokens.
        string schema = Write("answer.json", """{"type":"object","properties":{"n":{"type":"integer","minimum":-9,"maximum":9},"ok":{"type":"boolean"}},"required":["n","ok"]}""");
        CliResult r = await Qwenvl.Run("run", "--model", Fixtures.Model("qwen2-vl-tiny"), "--prompt", "Answer in JSON.",
            "--json-schema", schema, "--temperature", "1", "--seed", "7", "--max-tokens", "60", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        JsonNode payload = JsonNode.Parse(r.Stdout)!;
        Assert.Equal("stop", payload["finish_reason"]!.GetValue<string>());
        using JsonDocument answer = JsonDocument.Parse(payload["text"]!.GetValue<string>());
        Assert.InRange(answer.RootElement.GetProperty("n").GetInt32(), -9, 9);
        Assert.True(answer.RootElement.GetProperty("ok").ValueKind is JsonValueKind.True or JsonValueKind.False);
    }

    [Fact]
    public async Task Run_JsonObject_StreamsAnObject()
    {
        CliResult r = await Qwenvl.Run("run", "--model", Fixtures.Model("qwen2-vl-tiny"), "--prompt", "JSON", "--json-object",
            "--temperature", "0", "--max-tokens", "40");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.StartsWith("{", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnsupportedSchema_ExitsTwoListingEveryPath()
    {
        string schema = Write("bad.json", """{"type":"object","properties":{"date":{"type":"string","format":"date"},"code":{"type":"string","pattern":"^[A-Z]+$"}}}""");
        CliResult r = await Qwenvl.Run("run", "--model", Fixtures.Model("qwen2-vl-tiny"), "--prompt", "hi", "--json-schema", schema);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("$.properties.date.format", r.Stderr);
        Assert.Contains("$.properties.code.pattern", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public async Task Run_SchemaNotJson_ExitsTwoNamingFile()
    {
        string schema = Write("broken.json", "{\"type\": ");
        CliResult r = await Qwenvl.Run("run", "--model", Fixtures.Model("qwen2-vl-tiny"), "--prompt", "hi", "--json-schema", schema);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(schema, r.Stderr);
    }

    [Fact]
    public async Task Run_MissingSchemaFileOrBothFlags_ExitsTwo()
    {
        CliResult missing = await Qwenvl.Run("run", "--model", Fixtures.Model("qwen2-vl-tiny"), "--prompt", "hi", "--json-schema", "/no/such/schema.json");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("/no/such/schema.json", missing.Stderr);
        string schema = Write("s.json", """{"type":"object"}""");
        CliResult both = await Qwenvl.Run("run", "--model", Fixtures.Model("qwen2-vl-tiny"), "--prompt", "hi", "--json-schema", schema, "--json-object");
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("--json-object", both.Stderr);
    }
}
