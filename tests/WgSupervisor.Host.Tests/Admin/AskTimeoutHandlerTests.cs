using System.Text.Json;
using Akka.Actor;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using WgSupervisor.Host.Admin;
using Xunit;

namespace WgSupervisor.Host.Tests.Admin;

/// <summary>An actor that does not answer a route in time: 504 saying what timed out, instead of a bare 500.</summary>
public sealed class AskTimeoutHandlerTests
{
    private static (AskTimeoutHandler Handler, DefaultHttpContext Http) Request(string method, string path)
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var http = new DefaultHttpContext { RequestServices = services };
        http.Request.Method = method;
        http.Request.Path = path;
        http.Response.Body = new MemoryStream();
        return (new AskTimeoutHandler(services.GetRequiredService<IProblemDetailsService>()), http);
    }

    private static JsonElement Problem(HttpContext http)
    {
        http.Response.Body.Position = 0;
        return JsonDocument.Parse(http.Response.Body).RootElement;
    }

    [Fact]
    public async Task A_command_that_timed_out_is_a_504_that_warns_it_may_still_take_effect()
    {
        var (handler, http) = Request("POST", "/api/tunnels/site1/pause");

        Assert.True(await handler.TryHandleAsync(http, new AskTimeoutException("Timeout after 00:00:05 seconds"), CancellationToken.None));

        Assert.Equal(StatusCodes.Status504GatewayTimeout, http.Response.StatusCode);
        var problem = Problem(http);
        Assert.Equal(504, problem.GetProperty("status").GetInt32());
        Assert.Equal("The supervisor did not answer in time", problem.GetProperty("title").GetString());
        Assert.Equal("POST /api/tunnels/site1/pause: no answer within 5 s; the command may still take effect: look at the tunnel before repeating it",
            problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_read_that_timed_out_is_a_504_without_the_warning()
    {
        var (handler, http) = Request("GET", "/api/tunnels");

        Assert.True(await handler.TryHandleAsync(http, new AskTimeoutException("Timeout"), CancellationToken.None));

        Assert.Equal("GET /api/tunnels: no answer within 5 s", Problem(http).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Any_other_exception_is_left_to_the_default_handling()
    {
        var (handler, http) = Request("GET", "/api/tunnels");

        Assert.False(await handler.TryHandleAsync(http, new InvalidOperationException("bug"), CancellationToken.None));
        Assert.Equal(0, http.Response.Body.Length);
    }
}
