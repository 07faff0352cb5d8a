// Public entry point: parse a Hugging Face chat template (a Jinja2 subset) once, render it many times
// with OpenAI-style messages, exactly as transformers' apply_chat_template does (trim_blocks and
// lstrip_blocks on, tools/documents passed as None when absent). It deliberately does no tokenisation.
using System.Text.Json.Nodes;
using QwenVL.ChatTemplates.Jinja;

namespace QwenVL.ChatTemplates;

/// <summary>A parsed chat template.</summary>
public sealed class ChatTemplate
{
    private readonly SourceText _source;
    private readonly List<Stmt> _body;

    private ChatTemplate(string source, SourceText normalized, List<Stmt> body)
    {
        Source = source;
        _source = normalized;
        _body = body;
    }

    /// <summary>The template text as given.</summary>
    public string Source { get; }

    /// <summary>Parses <paramref name="source"/>; throws <see cref="TemplateException"/> with line and column on a syntax error.</summary>
    public static ChatTemplate Parse(string source, string sourceName = "chat_template")
    {
        ArgumentNullException.ThrowIfNull(source);
        var normalized = new SourceText(sourceName, Lexer.Normalize(source));
        return new ChatTemplate(source, normalized, Parser.Parse(normalized));
    }

    /// <summary>
    /// Renders the template. Variables: <c>messages</c>, <c>add_generation_prompt</c>, <c>tools</c> and
    /// <c>documents</c> (None unless given, as HF passes them), plus <paramref name="extraVariables"/>
    /// (e.g. add_vision_id, tools, bos_token); any other name is undefined.
    /// </summary>
    public string Render(JsonArray messages, bool addGenerationPrompt, IReadOnlyDictionary<string, JsonNode?>? extraVariables = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var globals = new Scope(null);
        Globals.Install(globals);
        var context = new Scope(globals);
        try
        {
            context.Set("messages", JsonBridge.FromNode(messages));
            context.Set("add_generation_prompt", addGenerationPrompt);
            context.Set("tools", null);
            context.Set("documents", null);
            foreach (var kv in extraVariables ?? new Dictionary<string, JsonNode?>())
            {
                context.Set(kv.Key, JsonBridge.FromNode(kv.Value));
            }
        }
        catch (JinjaFault f)
        {
            throw new TemplateException(_source.Name, $"cannot convert the template variables: {f.Message}");
        }
        return new Evaluator(_source).Render(_body, new Scope(context));
    }
}
