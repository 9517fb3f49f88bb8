using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Net.Http.Headers;

namespace WgSupervisor.Host.Admin;

/// <summary>
/// How the whole fleet list is answered: already compressed in the encoding the client prefers (brotli, else gzip, else
/// none), with its entity tag, and 304 Not Modified — no body — when the client already holds that list (If-None-Match).
/// Other answers are compressed by ASP.NET Core's response compression; this one carries its Content-Encoding already, so
/// the middleware leaves it as it is.
/// </summary>
public static class FleetListAnswer
{
    private const string JsonContentType = "application/json; charset=utf-8";

    public static async Task<IResult> WriteAsync(HttpContext http, FleetListCache cache, CancellationToken cancellationToken)
    {
        var coding = Preferred(http.Request);
        return Of(http, await cache.GetAsync(coding, cancellationToken), coding);
    }

    public static IResult Of(HttpContext http, FleetListBody body, ContentCoding coding)
    {
        var headers = http.Response.Headers;
        headers.ETag = body.EntityTag;
        headers.Vary = HeaderNames.AcceptEncoding;
        // Stored, but asked about again each time: the 304 makes that cheap.
        headers.CacheControl = "no-cache";
        if (Holds(http.Request, body.EntityTag)) return Results.StatusCode(StatusCodes.Status304NotModified);
        if (coding != ContentCoding.Identity) headers.ContentEncoding = coding == ContentCoding.Brotli ? "br" : "gzip";
        return Results.Bytes(body.Encoded(coding), JsonContentType);
    }

    /// <summary>Whether If-None-Match names this tag (weak comparison, as RFC 9110 asks for If-None-Match) or is "*".</summary>
    public static bool Holds(HttpRequest request, string entityTag)
    {
        if (request.Headers.IfNoneMatch.Count == 0) return false;
        var tag = EntityTagHeaderValue.Parse(entityTag);
        return request.GetTypedHeaders().IfNoneMatch.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(tag, useStrongComparison: false));
    }

    /// <summary>Brotli when accepted at least as much as gzip, else gzip when accepted, else none (q=0 refuses a coding).</summary>
    public static ContentCoding Preferred(HttpRequest request)
    {
        if (request.Headers.AcceptEncoding.Count == 0) return ContentCoding.Identity;
        var accepted = request.GetTypedHeaders().AcceptEncoding;
        double Quality(string coding)
        {
            var named = accepted.FirstOrDefault(a => a.Value.Equals(coding, StringComparison.OrdinalIgnoreCase));
            var any = accepted.FirstOrDefault(a => a.Value.Equals("*", StringComparison.Ordinal));
            return (named ?? any) is { } entry ? entry.Quality ?? 1 : 0;
        }
        var brotli = Quality("br");
        var gzip = Quality("gzip");
        return brotli > 0 && brotli >= gzip ? ContentCoding.Brotli : gzip > 0 ? ContentCoding.Gzip : ContentCoding.Identity;
    }

    /// <summary>
    /// Response compression for every other answer (JSON, the dashboard's assets), never for the dashboard's event stream
    /// (text/event-stream must reach the browser as each event is written), and the cache of the fleet list.
    /// HTTPS too: no answer of the admin API carries a secret (tokens travel in request headers only, keys are public keys),
    /// so a compression side channel (BREACH) has nothing to recover.
    /// </summary>
    public static IServiceCollection AddFleetListAnswers(this IServiceCollection services)
    {
        services.AddResponseCompression(options =>
        {
            options.EnableForHttps = true;
            options.Providers.Add<BrotliCompressionProvider>();
            options.Providers.Add<GzipCompressionProvider>();
            options.ExcludedMimeTypes = ["text/event-stream"];
        });
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Fastest);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Fastest);
        return services.AddSingleton(s => new FleetListCache(s.GetRequiredService<ITunnelDirectory>(), TimeProvider.System,
            s.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions));
    }
}
