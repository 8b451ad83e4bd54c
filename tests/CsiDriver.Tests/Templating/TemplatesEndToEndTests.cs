using Grpc.Core;
using CsiDriver.Tests.Infrastructure;

namespace CsiDriver.Tests.Templating;

public sealed class TemplatesEndToEndTests
{
    private static void WriteClass(DriverFixture driver, string extra) => File.WriteAllText(Path.Combine(driver.SpcDir, "app.yaml"), $$"""
        apiVersion: secrets-store.csi.x-k8s.io/v1
        kind: SecretProviderClass
        metadata: {name: app, namespace: default}
        spec:
          provider: local
          parameters:
            objects: |
              - objectName: db.json
                objectAlias: db
              - objectName: host
        {{extra}}
        """);

    [Fact]
    public async Task Publish_ExtractAndTemplate_FilePerPropertyAndRenderedUrl()
    {
        await using var driver = await DriverFixture.StartAsync();
        driver.WriteStoreFile("db.json", """{"username":"app","password":"p@ss/w:rd","port":5432}""");
        driver.WriteStoreFile("host", "db.internal");
        WriteClass(driver, """
              extract:
                - objectName: db
              templates:
                - path: config/DATABASE_URL
                  template: 'postgres://{{ index . "db/username" }}:{{ index . "db/password" | urlquery }}@{{ .host }}:{{ index . "db/port" }}/app'
                  filePermission: "0440"
            """);
        var target = driver.TargetPath();

        await driver.Client.PublishAsync(CsiClient.PublishRequest(target));

        Volume.Files(target).Should().Equal("config/DATABASE_URL", "db/password", "db/port", "db/username", "host");
        Volume.Read(target, "db/username").Should().Be("app");
        Volume.Read(target, "db/port").Should().Be("5432");
        Volume.Read(target, "config/DATABASE_URL").Should().Be("postgres://app:p%40ss%2Fw%3Ard@db.internal:5432/app");
        Volume.Mode(target, "config/DATABASE_URL").Should().Be((UnixFileMode)Convert.ToInt32("440", 8));
    }

    [Fact]
    public async Task Publish_TemplateError_InvalidArgumentNamingTemplateAndPositionWithoutValuesAndNothingMounted()
    {
        await using var driver = await DriverFixture.StartAsync();
        driver.WriteStoreFile("db.json", """{"username":"app","password":"TOP-SECRET-PW"}""");
        driver.WriteStoreFile("host", "db.internal");
        WriteClass(driver, """
              templates:
                - path: url
                  template: '{{ .missing }}'
            """);

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath())));

        error.StatusCode.Should().Be(StatusCode.InvalidArgument);
        error.Status.Detail.Should().Contain("default/app").And.Contain("url").And.Contain("missing");
        error.Status.Detail.Should().NotContain("TOP-SECRET-PW");
        Directory.Exists(driver.TargetPath()).Should().BeFalse();
    }

    [Fact]
    public async Task Publish_ExtractOfNonJsonObject_InvalidArgumentWithoutQuotingIt()
    {
        await using var driver = await DriverFixture.StartAsync();
        driver.WriteStoreFile("db.json", "NOT-JSON-SECRET");
        driver.WriteStoreFile("host", "h");
        WriteClass(driver, """
              extract:
                - objectName: db
            """);

        var error = await CsiClient.FailsAsync(() => driver.Client.PublishAsync(CsiClient.PublishRequest(driver.TargetPath())));

        error.StatusCode.Should().Be(StatusCode.InvalidArgument);
        error.Status.Detail.Should().Contain("\"db\" is not JSON").And.NotContain("NOT-JSON-SECRET");
    }
}
