from django import forms


class ContactSupportForm(forms.Form):
    subject = forms.CharField(label="Subject", max_length=200)
    message = forms.CharField(label="Message", max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))


class AnswerForm(forms.Form):
    answer = forms.CharField(label="Answer", max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
