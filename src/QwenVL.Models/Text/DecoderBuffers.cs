// Activation scratch for the Qwen2 decoder, sized once for the largest chunk of rows it will run
// (the prefill chunk; decode uses row 0). Reused for every chunk and token, so the decode loop
// allocates nothing. Logits are one row of vocabulary size (151936 floats = 594 KiB).
namespace QwenVL.Models.Text;

/// <summary>Preallocated decoder activations for up to <see cref="MaxRows"/> rows.</summary>
public sealed class DecoderBuffers
{
    /// <summary>Allocates buffers for chunks of at most <paramref name="maxRows"/> tokens and <paramref name="logitRows"/> rows of logits.</summary>
    public DecoderBuffers(Qwen2TextConfig c, int maxRows, int logitRows = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        MaxRows = maxRows;
        Hidden = new float[maxRows * c.HiddenSize];
        Normed = new float[maxRows * c.HiddenSize];
        Q = new float[maxRows * c.QDim];
        K = new float[maxRows * c.KvDim];
        V = new float[maxRows * c.KvDim];
        Attn = new float[maxRows * c.QDim];
        Gate = new float[maxRows * c.IntermediateSize];
        Up = new float[maxRows * c.IntermediateSize];
        Cos = new float[maxRows * c.HeadDim];
        Sin = new float[maxRows * c.HeadDim];
        PosT = new int[maxRows];
        PosH = new int[maxRows];
        PosW = new int[maxRows];
        Logits = new float[(long)logitRows * c.VocabSize];
    }

    /// <summary>Rows each buffer holds.</summary>
    public int MaxRows { get; }

    /// <summary>Residual stream [rows, H]: the chunk's input embeddings, then its output.</summary>
    public float[] Hidden { get; }

    /// <summary>Normalized residual [rows, H].</summary>
    public float[] Normed { get; }

    /// <summary>Queries [rows, nq·hd].</summary>
    public float[] Q { get; }

    /// <summary>Keys of the chunk [rows, nkv·hd] before they are copied into the cache.</summary>
    public float[] K { get; }

    /// <summary>Values of the chunk [rows, nkv·hd].</summary>
    public float[] V { get; }

    /// <summary>Attention output [rows, nq·hd].</summary>
    public float[] Attn { get; }

    /// <summary>MLP gate [rows, I].</summary>
    public float[] Gate { get; }

    /// <summary>MLP up [rows, I].</summary>
    public float[] Up { get; }

    /// <summary>Rotary cos [rows, hd].</summary>
    public float[] Cos { get; }

    /// <summary>Rotary sin [rows, hd].</summary>
    public float[] Sin { get; }

    /// <summary>M-RoPE T positions of the chunk.</summary>
    public int[] PosT { get; }

    /// <summary>M-RoPE H positions of the chunk.</summary>
    public int[] PosH { get; }

    /// <summary>M-RoPE W positions of the chunk.</summary>
    public int[] PosW { get; }

    /// <summary>Logits [logitRows, V]: the last prompt row after prefill, or one row per sequence in a batch.</summary>
    public float[] Logits { get; }
}
