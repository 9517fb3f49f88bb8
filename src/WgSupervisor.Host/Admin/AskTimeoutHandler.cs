using Akka.Actor;
using Microsoft.AspNetCore.Diagnostics;

namespace WgSupervisor.Host.Admin;

/// <summary>
/// An actor that did not answer a route within <see cref="AdminEndpoints.AskTimeout"/> (a busy or unreachable node) is a
/// 504 that says so, not a bare 500: a command may still take effect, so the operator checks before repeating it.
/// </summary>
public sealed class AskTimeoutHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not AskTimeoutException) return false;
        http.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
        var change = !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails =
            {
                Status = StatusCodes.Status504GatewayTimeout,
                Title = "The supervisor did not answer in time",
                Detail = $"{http.Request.Method} {http.Request.Path}: no answer within {AdminEndpoints.AskTimeout.TotalSeconds:0} s" +
                         (change ? "; the command may still take effect: look at the tunnel before repeating it" : ""),
            },
        });
    }
}
