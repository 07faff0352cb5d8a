// Checks text against a response format byte by byte with the same automaton the decoder uses: useful
// to test the automaton and to tell whether a stored answer could have been generated. It deliberately
// refuses what the decoder would never write (whitespace runs over 2 bytes, exponents), not just invalid JSON.
using System.Text;

namespace QwenVL.Engine.Constraints;

/// <summary>Incremental prefix check of UTF-8 text against a <see cref="JsonResponseFormat"/>.</summary>
public sealed class JsonMatcher
{
    private readonly JsonAutomaton _automaton;
    private readonly Frame[] _stack = new Frame[JsonAutomaton.StackCapacity];
    private int _depth;
    private bool _failed;

    /// <summary>A matcher at the start of a document.</summary>
    /// <exception cref="EngineException">The schema is unsupported.</exception>
    public JsonMatcher(JsonResponseFormat format)
    {
        _automaton = new JsonAutomaton(format.Compile());
        _depth = JsonAutomaton.Start(_stack);
    }

    /// <summary>Feeds bytes; false (for good) once one cannot continue a valid document.</summary>
    public bool Feed(ReadOnlySpan<byte> utf8)
    {
        foreach (byte b in utf8)
        {
            if (_failed || !_automaton.Feed(_stack, ref _depth, b))
            {
                _failed = true;
                return false;
            }
        }
        return !_failed;
    }

    /// <summary>Feeds the UTF-8 bytes of <paramref name="text"/>.</summary>
    public bool Feed(string text) => Feed(Encoding.UTF8.GetBytes(text));

    /// <summary>The document is closed; nothing more may follow.</summary>
    public bool IsComplete => !_failed && JsonAutomaton.IsComplete(_stack, _depth);

    /// <summary>The text so far is a whole valid document (a trailing number might still grow).</summary>
    public bool CanFinish => !_failed && _automaton.CanFinish(_stack, _depth);

    /// <summary>Whether <paramref name="text"/> is exactly a document the decoder could produce.</summary>
    public static bool Accepts(JsonResponseFormat format, string text)
    {
        var m = new JsonMatcher(format);
        return m.Feed(text) && m.CanFinish;
    }
}
