// A small server-sent-events reader for tests: splits a body into events and their fields (id,
// event, data; ':' comment lines kept apart) per the WHATWG framing. Not a general client: no
// reconnection, no multi-line data joining beyond what these tests see.
using System.Text.Json.Nodes;

namespace QwenVL.Server.Tests;

/// <summary>One event.</summary>
public sealed record SseEvent(string? Id, string? Event, string Data, IReadOnlyList<string> Comments)
{
    public JsonNode Json => JsonNode.Parse(Data)!;
}

public static class Sse
{
    public static async Task<List<SseEvent>> ReadAllAsync(HttpResponseMessage response)
    {
        Assert.StartsWith("text/event-stream", response.Content.Headers.ContentType?.ToString());
        return Parse(await response.Content.ReadAsStringAsync());
    }

    public static List<SseEvent> Parse(string body)
    {
        var events = new List<SseEvent>();
        foreach (string block in body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string? id = null, name = null;
            var data = new List<string>();
            var comments = new List<string>();
            foreach (string line in block.Split('\n'))
            {
                if (line.StartsWith(':'))
                {
                    comments.Add(line[1..]);
                    continue;
                }
                int colon = line.IndexOf(':');
                string field = colon < 0 ? line : line[..colon];
                string value = colon < 0 ? "" : line[(colon + 1)..];
                value = value.StartsWith(' ') ? value[1..] : value;
                switch (field)
                {
                    case "id": id = value; break;
                    case "event": name = value; break;
                    case "data": data.Add(value); break;
                }
            }
            events.Add(new SseEvent(id, name, string.Join("\n", data), comments));
        }
        return events;
    }
}
