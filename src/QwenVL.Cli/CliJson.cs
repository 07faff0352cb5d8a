// JSON output settings for every command: compact, UTF-8 text unescaped so Chinese stays readable.
using System.Text.Encodings.Web;
using System.Text.Json;

namespace QwenVL.Cli;

/// <summary>Serializer options for CLI output.</summary>
public static class CliJson
{
    /// <summary>Compact output with relaxed escaping.</summary>
    public static JsonSerializerOptions Options { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
