// Everything besides the tensors, read from a GGUF pair: the config, tokenizer, chat template
// (tokenizer.chat_template), preprocessor and generation defaults, as the ModelAssets a Hugging Face
// folder would give. The files are mapped only while reading the metadata; GgufWeightSource maps
// them again for the tensors.
using QwenVL.ChatTemplates;
using QwenVL.Checkpoints;
using QwenVL.Checkpoints.Gguf;
using QwenVL.Models.Common;
using QwenVL.Tokenizer;

namespace QwenVL.Models.Gguf;

/// <summary>Builds <see cref="ModelAssets"/> from GGUF metadata.</summary>
public static class GgufAssets
{
    /// <summary>Reads the metadata of <paramref name="files"/>; <paramref name="source"/> (the path the user gave) becomes <see cref="ModelAssets.Folder"/>.</summary>
    public static ModelAssets Load(GgufModelFiles files, string source)
    {
        try
        {
            using GgufFile text = GgufFile.Open(files.Text);
            using GgufFile mmproj = GgufFile.Open(files.Mmproj);
            ConfigReader config = GgufConfig.ModelConfig(text, mmproj);
            Qwen2Tokenizer tokenizer = GgufTokenizer.Load(text);
            return ModelAssets.FromParts(source, config, tokenizer, Template(text), GgufConfig.Preprocessor(mmproj),
                GgufConfig.Generation(text, tokenizer), text.Path);
        }
        catch (CheckpointException e)
        {
            throw new ModelException(e.Message, e.File, e.Key, e);
        }
    }

    private static ChatTemplate? Template(GgufFile text)
    {
        string? source = text.Metadata.String("tokenizer.chat_template");
        if (source is null)
        {
            return null;
        }
        try
        {
            return ChatTemplate.Parse(source, text.Path + " (tokenizer.chat_template)");
        }
        catch (TemplateException e)
        {
            throw new ModelException(e.Message, text.Path, "tokenizer.chat_template", e);
        }
    }
}
