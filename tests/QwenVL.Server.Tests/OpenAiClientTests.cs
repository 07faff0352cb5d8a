// The official OpenAI .NET client against the real server: plain and streaming chat, an image as a
// data: URL, system and multi-turn messages, logprobs. The tiny checkpoint has random weights, so
// answers are noise; greedy decoding makes them repeatable, which is what these tests compare.
using System.ClientModel;
using OpenAI;
using OpenAI.Chat;

namespace QwenVL.Server.Tests;

[Collection(ServerCollection.Name)]
public sealed class OpenAiClientTests(ServerFixture fx)
{
    private ChatClient Client() => new(ServerFixture.ModelName, new ApiKeyCredential("unused"),
        new OpenAIClientOptions { Endpoint = new Uri(fx.Main.BaseAddress, "v1") });

    private static ChatCompletionOptions Greedy(int maxTokens = 6) => new() { MaxOutputTokenCount = maxTokens, Temperature = 0 };

    [Fact]
    public async Task CompleteChat_TextPrompt_ReturnsTextAndUsage()
    {
        ChatCompletion c = (await Client().CompleteChatAsync([new UserChatMessage("Say hello.")], Greedy())).Value;
        Assert.Equal(ChatFinishReason.Length, c.FinishReason);
        Assert.Equal(ChatMessageRole.Assistant, c.Role);
        Assert.False(string.IsNullOrEmpty(c.Content[0].Text));
        Assert.Equal(6, c.Usage.OutputTokenCount);
        Assert.True(c.Usage.InputTokenCount > 5);
        Assert.Equal(c.Usage.InputTokenCount + 6, c.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task CompleteChatStreaming_TextPrompt_MatchesNonStreamingTextAndReportsUsage()
    {
        ChatClient client = Client();
        ChatCompletion plain = (await client.CompleteChatAsync([new UserChatMessage("Count to three.")], Greedy())).Value;
        var text = new System.Text.StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (StreamingChatCompletionUpdate u in client.CompleteChatStreamingAsync([new UserChatMessage("Count to three.")], Greedy()))
        {
            foreach (ChatMessageContentPart part in u.ContentUpdate)
            {
                text.Append(part.Text);
            }
            finish ??= u.FinishReason;
            usage ??= u.Usage;
        }
        Assert.Equal(plain.Content[0].Text, text.ToString());
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.NotNull(usage);
        Assert.Equal(plain.Usage.InputTokenCount, usage.InputTokenCount);
        Assert.Equal(6, usage.OutputTokenCount);
    }

    [Fact]
    public async Task CompleteChat_ImageDataUrl_CountsImageTokensInPrompt()
    {
        ChatClient client = Client();
        ChatCompletion textOnly = (await client.CompleteChatAsync([new UserChatMessage("What is this?")], Greedy(2))).Value;
        var withImage = new UserChatMessage(
            ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(ServerFixture.SmallPng), "image/png"),
            ChatMessageContentPart.CreateTextPart("What is this?"));
        ChatCompletion c = (await client.CompleteChatAsync([withImage], Greedy(2))).Value;
        // 56x56 px = 4 merged image tokens, plus <|vision_start|> and <|vision_end|>.
        Assert.Equal(textOnly.Usage.InputTokenCount + 6, c.Usage.InputTokenCount);
        Assert.Equal(2, c.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task CompleteChat_SystemAndMultiTurn_UsesEveryMessage()
    {
        ChatClient client = Client();
        ChatCompletion single = (await client.CompleteChatAsync([new UserChatMessage("And now?")], Greedy(2))).Value;
        ChatMessage[] turns =
        [
            new SystemChatMessage("You are terse."),
            new UserChatMessage("Hi."),
            new AssistantChatMessage("Hello."),
            new UserChatMessage("And now?"),
        ];
        ChatCompletion multi = (await client.CompleteChatAsync(turns, Greedy(2))).Value;
        Assert.True(multi.Usage.InputTokenCount > single.Usage.InputTokenCount + 6);
        Assert.Equal(ChatFinishReason.Length, multi.FinishReason);
    }

    [Fact]
    public async Task CompleteChat_Logprobs_EveryTokenWithItsTopAlternatives()
    {
        ChatCompletionOptions options = Greedy(5);
        options.IncludeLogProbabilities = true;
        options.TopLogProbabilityCount = 3;
        ChatCompletion c = (await Client().CompleteChatAsync([new UserChatMessage("Hi")], options)).Value;
        Assert.Equal(5, c.ContentTokenLogProbabilities.Count);
        foreach (ChatTokenLogProbabilityDetails t in c.ContentTokenLogProbabilities)
        {
            Assert.True(t.LogProbability <= 0);
            Assert.Equal(3, t.TopLogProbabilities.Count);
            // Greedy: the chosen token is the most likely one.
            Assert.Equal(t.Token, t.TopLogProbabilities[0].Token);
            Assert.Equal(t.LogProbability, t.TopLogProbabilities[0].LogProbability, 4);
        }
        // Token bytes are exact even where a token ends inside a UTF-8 character.
        byte[] bytes = [.. c.ContentTokenLogProbabilities.SelectMany(t => t.Utf8Bytes!.Value.ToArray())];
        Assert.Equal(c.Content[0].Text, System.Text.Encoding.UTF8.GetString(bytes));
    }
}
