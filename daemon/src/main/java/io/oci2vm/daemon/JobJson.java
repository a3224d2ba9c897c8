package io.oci2vm.daemon;

import io.oci2vm.daemon.store.Artifact;
import io.oci2vm.daemon.store.Job;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** A job as the API shows it. */
final class JobJson {
  private JobJson() {}

  /** The job; with {@code baseUrl} (e.g. http://host:port), artifact download URLs too. */
  static JsonObject of(Job j, String baseUrl) {
    JsonObject request =
        new JsonObject()
            .put("image", j.request().image())
            .put("formats", new JsonArray(j.request().formats()))
            .put("slim", j.request().slim())
            .put(
                "keep",
                new JsonArray(
                    j.request().keep() == null ? java.util.List.of() : j.request().keep()))
            .put("kernelImage", j.request().kernelImage())
            .put("boot", j.request().boot())
            .put("diskSize", j.request().diskSize())
            .put("platform", j.request().platform())
            .put("callbackUrl", j.request().callbackUrl());
    JsonArray artifacts = new JsonArray();
    String owner = j.sharedWith() != null ? j.sharedWith() : j.id();
    for (Artifact a : j.artifacts()) {
      JsonObject o =
          new JsonObject()
              .put("name", a.name())
              .put("format", a.format())
              .put("size", a.size())
              .put("sha256", a.sha256());
      if (baseUrl != null) {
        o.put("url", baseUrl + "/v1/conversions/" + owner + "/artifacts/" + a.name());
      }
      artifacts.add(o);
    }
    JsonObject out =
        new JsonObject()
            .put("id", j.id())
            .put("state", j.state().name())
            .put("request", request)
            .put("trigger", j.trigger())
            .put("imageDigest", j.imageDigest())
            .put("sharedWith", j.sharedWith())
            .put("created", j.created().toString())
            .put("updated", j.updated().toString())
            .put("attempts", j.attempts())
            .put("cancelRequested", j.cancelRequested())
            .put("artifacts", artifacts);
    if (j.errorCode() != null) {
      out.put(
          "error", new JsonObject().put("code", j.errorCode()).put("message", j.errorMessage()));
    }
    return out;
  }
}
