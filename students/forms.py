from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from papers.arxiv import InvalidArxivId, normalize_arxiv_id
from papers.forms import CategoriesField
from papers.models import Category, Topic
from students.enrollment import topic_for_code, validate_student_number
from students.models import ReadingStatus, StudentProfile



class JoinForm(forms.Form):
    code = forms.CharField(label=_("Enrollment code"), max_length=16, help_text=_("Your mentor shares it with you."))

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        self.topic = topic_for_code(code)
        if self.topic is None:
            raise ValidationError(_("No topic has this enrollment code: check it with your mentor."))
        return code


class SignUpForm(JoinForm):
    name = forms.CharField(label=_("Name"), max_length=150)
    student_number = forms.CharField(label=_("Student number"), max_length=32, validators=[validate_student_number])
    # The account's limit: a longer address passes EmailField and fails in the database.
    email = forms.EmailField(label=_("Email"), max_length=254)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean_student_number(self) -> str:
        number = self.cleaned_data["student_number"]
        User = get_user_model()
        if StudentProfile.objects.filter(student_number=number).exists() or User.objects.filter(username=number).exists():
            raise ValidationError(_("This student number already has an account: log in, then join with the code."))
        return number

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise ValidationError(_("This email already belongs to an account: log in, or reset your password."))
        return email

    def clean(self) -> dict:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            candidate = get_user_model()(username=cleaned.get("student_number", ""), email=cleaned.get("email", ""),
                                         first_name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ProgressForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ReadingStatus.choices, required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 8}), required=False, max_length=20000)


class RosterForm(forms.Form):
    file = forms.FileField(label=_("Roster (CSV: name, student number, email)"))

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise ValidationError(_("The file is larger than 2 MB."))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(_("Save the roster as CSV in UTF-8 (Excel: “CSV UTF-8”).")) from None


class ProposalForm(forms.Form):
    arxiv = forms.CharField(
        label=_("arXiv identifier or link"), required=False, max_length=200,
        help_text=_("For example 2407.08132 or https://arxiv.org/abs/2407.08132. Leave empty for a paper not on arXiv."),
    )
    title = forms.CharField(label=_("Title"), required=False, max_length=500)
    authors = forms.CharField(label=_("Authors"), required=False, max_length=1000, help_text=_("Separated by commas."))
    venue = forms.CharField(label=_("Venue"), required=False, max_length=100)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1990, max_value=2100)
    url = forms.URLField(label=_("Link"), required=False, max_length=500, assume_scheme="https")
    # Whether one is needed is students.claims' rule; the form only offers the topic's own.
    categories = CategoriesField(
        label=_("Category"), queryset=Category.objects.none(), widget=forms.CheckboxSelectMultiple, required=False,
        help_text=_("Which of the topic's categories the paper belongs to: one or several."),
    )
    justification = forms.CharField(
        label=_("Why this paper?"), widget=forms.Textarea(attrs={"rows": 5}), max_length=3000,
        help_text=_("A few sentences for your mentor: what it does, why it is recent and important, how it fits the topic."),
    )

    def __init__(self, *args, topic: Topic, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = topic.categories.order_by("position", "pk")
        if not self.fields["categories"].queryset.exists():
            del self.fields["categories"]

    def clean_arxiv(self) -> str:
        text = self.cleaned_data["arxiv"].strip()
        if not text:
            return ""
        try:
            return normalize_arxiv_id(text)
        except InvalidArxivId as error:
            raise ValidationError(str(error)) from None

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("arxiv"):
            for name in ("title", "url"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("Needed for a paper that is not on arXiv."))
        return cleaned
