using System.Text;
using WgSupervisor.Cli.Api;

namespace WgSupervisor.Cli.Tests;

public sealed class ServerSentEventReaderTests
{
    private static ServerSentEventReader Reader(string text) => new(new MemoryStream(Encoding.UTF8.GetBytes(text)), TimeSpan.FromSeconds(5));

    [Fact]
    public async Task Reads_types_and_data_skips_comments_and_ends_with_the_stream()
    {
        var reader = Reader(": keep-alive\n\nevent: tunnel\ndata: {\"a\":1}\n\ndata: first\ndata:second\r\n\r\nevent: other\n\n");

        Assert.Equal(new ServerSentEvent("tunnel", "{\"a\":1}"), await reader.ReadAsync(CancellationToken.None));
        Assert.Equal(new ServerSentEvent("message", "first\nsecond"), await reader.ReadAsync(CancellationToken.None));
        Assert.Null(await reader.ReadAsync(CancellationToken.None)); // an event without data is not dispatched
    }

    [Fact]
    public async Task A_silent_stream_is_taken_as_dead()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        var reader = new ServerSentEventReader(pipe.Reader.AsStream(), TimeSpan.FromMilliseconds(200));

        var failure = await Assert.ThrowsAsync<ApiUnreachableException>(() => reader.ReadAsync(CancellationToken.None));

        Assert.Contains("sent nothing", failure.Message);
    }
}
