"""A long export's page (progress, then its download) and the download itself."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import exports
from .decorators import operator_required
from .models import ExportJob


def _job(request: HttpRequest, job_id: str) -> ExportJob:
    """The operator's own export: its file holds what their role showed them (the list's columns
    follow the role), so nobody else's role decides who reads it."""
    job = ExportJob.objects.filter(platform=request.platform, livemode=request.livemode, public_id=job_id,
                                   created_by=request.membership).first()
    if job is None or job.kind not in exports.EXPORTERS:
        raise Http404("No such export")
    if not exports.allowed(request.membership, job.kind):
        raise PermissionDenied("export")
    return job


@require_safe
@operator_required()
def export_detail(request: HttpRequest, job_id: str) -> HttpResponse:
    job = _job(request, job_id)
    exports.resume_if_stalled(job)
    context = {"job": job, "exporter": exports.EXPORTERS[job.kind], "days": exports.EXPORT_DAYS,
               "percent": round(100 * job.written / job.total) if job.total else 100}
    template = "platform_console/export_detail.html"
    if request.htmx:
        template += "#progress"
    return render(request, template, context)


@require_safe
@operator_required()
def export_download(request: HttpRequest, job_id: str) -> HttpResponse:
    job = _job(request, job_id)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404("This export has no file")
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=exports.filename(job.kind, job.livemode),
                        content_type="text/csv; charset=utf-8")
