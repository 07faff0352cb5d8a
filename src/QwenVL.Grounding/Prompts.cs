// The official prompts per generation for grounding and OCR, as used in the Qwen cookbooks (spec §5):
// asking in the model's own words is what makes it answer in the convention the parsers expect.
// Prompts marked UNVERIFIED below were not found verbatim in a primary source; change them here only.
namespace QwenVL.Grounding;

/// <summary>OCR output styles.</summary>
public enum OcrFormat
{
    /// <summary>Plain text ("Read all the text in the image.").</summary>
    Text,

    /// <summary>QwenVL Markdown (coordinates in comments).</summary>
    Markdown,

    /// <summary>QwenVL HTML (data-bbox on every element).</summary>
    Html,

    /// <summary>Line-level text spotting as JSON (bbox_2d + text_content).</summary>
    Json,
}

/// <summary>A system prompt (null: the template's default) and a user prompt.</summary>
public sealed record PromptPair(string? System, string User);

/// <summary>Prompt builders.</summary>
public static class Prompts
{
    /// <summary>Qwen2.5-VL cookbooks/document_parsing.ipynb system prompt for QwenVL HTML (spec §5.3).</summary>
    public const string DocumentParserSystem = "You are an AI specialized in recognizing and extracting text from images. Your mission is to analyze the image document and generate the result in QwenVL Document Parser HTML format using specified tags while maintaining user privacy and data integrity.";

    /// <summary>The grounding prompt for <paramref name="query"/> (an object description such as "the red car").</summary>
    public static string Grounding(ModelFamily family, string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        string q = query.Trim();
        return family switch
        {
            // UNVERIFIED wording; the referring phrase between ref tokens is the Qwen2-VL convention (spec §5.2).
            ModelFamily.Qwen2VL => $"Find the bounding box of <|object_ref_start|>{q}<|object_ref_end|>",
            // Qwen2.5-VL cookbooks/spatial_understanding.ipynb: "Locate the top right brown cake, output its bbox coordinates using JSON format."
            ModelFamily.Qwen25VL => $"Locate {q}, output its bbox coordinates using JSON format.",
            // Qwen3-VL evaluation/ODinW-13 prompt (spec §5.4).
            _ => $"Locate every instance that belongs to the following categories: '{q}'. Report bbox coordinates in JSON format.",
        };
    }

    /// <summary>The OCR prompt for <paramref name="format"/>.</summary>
    public static PromptPair Ocr(ModelFamily family, OcrFormat format) => format switch
    {
        // Qwen2.5-VL cookbooks/ocr.ipynb (spec §5.3).
        OcrFormat.Text => new PromptPair(null, "Read all the text in the image."),
        OcrFormat.Json => new PromptPair(null, "Spotting all the text in the image with line-level, and output in JSON format."),
        // Qwen2.5-VL document_parsing.ipynb: system prompt + "QwenVL HTML"; Qwen3-VL: "qwenvl html" alone (spec §5.4).
        OcrFormat.Html => family == ModelFamily.Qwen3VL ? new PromptPair(null, "qwenvl html") : new PromptPair(DocumentParserSystem, "QwenVL HTML"),
        // Qwen3-VL: "qwenvl markdown" (spec §5.4); the Qwen2.5-VL spelling "QwenVL Markdown" is UNVERIFIED.
        _ => family == ModelFamily.Qwen3VL ? new PromptPair(null, "qwenvl markdown") : new PromptPair(null, "QwenVL Markdown"),
    };
}
