// Stop strings: text that might begin a stop string is held back, released when it cannot, and
// the reply is cut right before the first stop string even when it spans several pieces.
using QwenVL.Engine.Generation;

namespace QwenVL.Engine.Tests;

public class StopStringMatcherTests
{
    [Fact]
    public void Push_NoStops_PassesThrough()
    {
        var m = new StopStringMatcher([]);
        Assert.Equal("abc", m.Push("abc"));
        Assert.Equal("", m.Flush());
    }

    [Fact]
    public void Push_StopAcrossPieces_CutsBeforeIt()
    {
        var m = new StopStringMatcher(["END"]);
        Assert.Equal("hello ", m.Push("hello E"));
        Assert.Equal("", m.Push("N"));
        Assert.Equal("", m.Push("D and more"));
        Assert.True(m.Stopped);
        Assert.Equal("", m.Push("x"));
    }

    [Fact]
    public void Push_FalseStart_ReleasesHeldText()
    {
        var m = new StopStringMatcher(["END"]);
        Assert.Equal("a", m.Push("aE"));
        Assert.Equal("Ex", m.Push("x"));
        Assert.False(m.Stopped);
    }

    [Fact]
    public void Push_EarliestOfSeveralStops_Wins()
    {
        var m = new StopStringMatcher(["world", "lo"]);
        Assert.Equal("hel", m.Push("hello world"));
    }

    [Fact]
    public void Flush_HeldPrefixAtEnd_IsReleased()
    {
        var m = new StopStringMatcher(["</answer>"]);
        Assert.Equal("42", m.Push("42</ans"));
        Assert.Equal("</ans", m.Flush());
    }
}
