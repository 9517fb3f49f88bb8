using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using WgSupervisor.Host.Admin;
using Xunit;

namespace WgSupervisor.Domain.Tests.Admin;

/// <summary>How the whole list is answered: the encoding the client prefers, its tag, and 304 when the client holds it already.</summary>
public sealed class FleetListAnswerTests
{
    private const string Tag = "W/\"0badcafe-42\"";

    private static readonly FleetListBody Body = new(42, "[{\"name\":\"a\"}]"u8.ToArray(), 1, DateTimeOffset.UnixEpoch, Tag);

    [Theory]
    [InlineData(null, ContentCoding.Identity)]
    [InlineData("gzip", ContentCoding.Gzip)]
    [InlineData("gzip, deflate, br", ContentCoding.Brotli)]
    [InlineData("br;q=0.5, gzip", ContentCoding.Gzip)]
    [InlineData("br;q=0, gzip;q=0", ContentCoding.Identity)]
    [InlineData("*", ContentCoding.Brotli)]
    [InlineData("*, br;q=0", ContentCoding.Gzip)]
    [InlineData("identity", ContentCoding.Identity)]
    public void The_preferred_encoding_is_brotli_then_gzip_then_none_as_accepted(string? acceptEncoding, ContentCoding expected)
    {
        var http = new DefaultHttpContext();
        if (acceptEncoding is not null) http.Request.Headers.AcceptEncoding = acceptEncoding;

        Assert.Equal(expected, FleetListAnswer.Preferred(http.Request));
    }

    [Theory]
    [InlineData(Tag, true)]
    [InlineData("\"0badcafe-42\"", true)]
    [InlineData("W/\"0badcafe-41\", W/\"0badcafe-42\"", true)]
    [InlineData("*", true)]
    [InlineData("W/\"0badcafe-41\"", false)]
    [InlineData(null, false)]
    public void A_client_holds_the_list_when_If_None_Match_names_its_tag_weakly_compared_or_is_a_star(string? ifNoneMatch, bool holds)
    {
        var http = new DefaultHttpContext();
        if (ifNoneMatch is not null) http.Request.Headers.IfNoneMatch = ifNoneMatch;

        Assert.Equal(holds, FleetListAnswer.Holds(http.Request, Tag));
    }

    [Fact]
    public void A_client_that_holds_the_list_gets_304_with_the_tag_and_no_body()
    {
        var http = new DefaultHttpContext();
        http.Request.Headers.IfNoneMatch = Tag;

        var result = FleetListAnswer.Of(http, Body, ContentCoding.Brotli);

        Assert.Equal(StatusCodes.Status304NotModified, Assert.IsType<StatusCodeHttpResult>(result).StatusCode);
        Assert.Equal(Tag, http.Response.Headers.ETag.ToString());
        Assert.False(http.Response.Headers.ContainsKey("Content-Encoding"));
    }

    [Fact]
    public void Any_other_client_gets_the_body_in_its_encoding_with_the_tag_and_vary()
    {
        var http = new DefaultHttpContext();

        var result = Assert.IsType<FileContentHttpResult>(FleetListAnswer.Of(http, Body, ContentCoding.Gzip));

        Assert.Equal(Body.Encoded(ContentCoding.Gzip), result.FileContents.ToArray());
        Assert.Equal("application/json; charset=utf-8", result.ContentType);
        Assert.Equal(("gzip", Tag, "Accept-Encoding", "no-cache"), (http.Response.Headers.ContentEncoding.ToString(), http.Response.Headers.ETag.ToString(),
            http.Response.Headers.Vary.ToString(), http.Response.Headers.CacheControl.ToString()));
    }
}
