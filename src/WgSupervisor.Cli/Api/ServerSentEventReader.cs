using System.Text;

namespace WgSupervisor.Cli.Api;

/// <summary>One server-sent event: its type ("message" when the server named none) and its data lines joined.</summary>
public sealed record ServerSentEvent(string Type, string Data);

/// <summary>
/// Reads text/event-stream (the WHATWG format: "event:" and "data:" lines, a blank line ends an event, lines starting
/// with ':' are comments such as the API's keep-alive). Any line, comments too, proves that the connection is alive:
/// when none comes within <c>idleLimit</c> the stream is taken as dead.
/// </summary>
public sealed class ServerSentEventReader(Stream stream, TimeSpan idleLimit)
{
    private readonly StreamReader _reader = new(stream, Encoding.UTF8);

    /// <summary>The next event, or null when the server ended the stream.</summary>
    public async Task<ServerSentEvent?> ReadAsync(CancellationToken cancellationToken)
    {
        string? type = null;
        var data = new StringBuilder();
        var hasData = false;
        // Bounded by the stream: each pass consumes one line, and the stream ends or goes idle.
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken);
            if (line is null) return null;
            if (line.Length == 0)
            {
                if (hasData) return new ServerSentEvent(type ?? "message", data.ToString());
                type = null;
                continue;
            }
            if (line[0] == ':') continue;
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' ')) value = value[1..];
            switch (field)
            {
                case "event":
                    type = value;
                    break;
                case "data":
                    if (hasData) data.Append('\n');
                    data.Append(value);
                    hasData = true;
                    break;
                // "id" and "retry" matter to browsers that reconnect by themselves; wgsup does not.
            }
        }
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(idleLimit);
        try
        {
            return await _reader.ReadLineAsync(idle.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ApiUnreachableException($"the stream sent nothing for {idleLimit.TotalSeconds:0} s (not even a keep-alive): the connection is taken as dead");
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            // The supervisor went away without ending the stream (killed, or its shutdown aborted the connection).
            throw new ApiUnreachableException($"the stream broke: {e.Message}", e);
        }
    }
}
